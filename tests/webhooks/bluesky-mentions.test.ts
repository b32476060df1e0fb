import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createBlueskyHandleResolver } from '@careerfeed/sharing';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { type RunningWorker, startWorker } from '../helpers/worker';

const MAYA_DID = 'did:plc:mayaokaforexample0000000';

interface BlueskyPayload {
  text: string;
  facets: { index: { byteStart: number; byteEnd: number }; features: { $type: string; did?: string }[] }[];
}

/**
 * An AT Protocol service of our own answering com.atproto.identity.resolveHandle as bsky.social
 * does: 200 {did} for a handle it knows (and a 200 whose "did" is not one), 400 InvalidRequest for one it does not, and a 500 for the
 * handle that stands for a service in trouble.
 */
async function startResolver(): Promise<{ origin: string; asked: string[]; close: () => Promise<void> }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://resolver.test');
    if (url.pathname !== '/xrpc/com.atproto.identity.resolveHandle') {
      res.writeHead(404).end();
      return;
    }
    const handle = url.searchParams.get('handle') ?? '';
    asked.push(handle);
    if (handle === 'maya.bsky.social') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ did: MAYA_DID }));
    } else if (handle === 'weird.example.org') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ did: 'weird.example.org' }));
    } else if (handle === 'broken.example.org') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"InternalServerError"}');
    } else {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'InvalidRequest', message: 'Unable to resolve handle' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.each(DIALECTS)('Bluesky mention facets in stored share payloads (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let worker: RunningWorker;
  let resolver: Awaited<ReturnType<typeof startResolver>>;
  const logLines: { msg: string; handle?: string }[] = [];

  beforeAll(async () => {
    resolver = await startResolver();
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line));
        done();
      },
    });
    worker = await startWorker(database, {
      redisPrefix: ingest.redisPrefix,
      // ALLOW_PRIVATE_NETWORKS=true is the harness's default: the resolver is on loopback.
      env: { BLUESKY_RESOLVER_URL: resolver.origin },
      logger: pino({ level: 'warn' }, logStream),
    });
  });

  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await database.drop();
    await resolver.close();
  });

  async function publishAndReadBluesky(title: string, links: Record<string, string>, slug: string) {
    const response = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ title, published_at: undefined, author: { slug, name: 'Maya Okafor', links } }));
    expect(response.status).toBe(201);
    const { id } = response.body as { id: string };
    let bluesky: BlueskyPayload | undefined;
    await waitFor(async () => {
      const payloads = await ingest.request.get(`/v1/posts/${id}/share-payloads`).set('Authorization', auth);
      if (payloads.status !== 200) return false;
      bluesky = (payloads.body as { bluesky: BlueskyPayload }).bluesky;
      return true;
    }, 20_000);
    return bluesky!;
  }

  const mentionsOf = (payload: BlueskyPayload) =>
    payload.facets.filter((f) => f.features.some((x) => x.$type === 'app.bsky.richtext.facet#mention'));
  const covered = (text: string, f: BlueskyPayload['facets'][number]) =>
    Buffer.from(text, 'utf8').subarray(f.index.byteStart, f.index.byteEnd).toString('utf8');

  test('when the author links a Bluesky handle the resolver knows, then the stored payload mentions the DID over "@handle", at byte offsets after a non-ASCII title; the handle is asked once', async () => {
    const bluesky = await publishAndReadBluesky(
      'Résumé clinic 履歴書 👩‍💻',
      { bluesky: 'https://bsky.app/profile/maya.bsky.social' },
      `maya-${dialect}`,
    );
    expect(bluesky.text).toContain('via @maya.bsky.social');
    const [mention, ...more] = mentionsOf(bluesky);
    expect(more).toEqual([]);
    expect(mention!.features).toEqual([{ $type: 'app.bsky.richtext.facet#mention', did: MAYA_DID }]);
    expect(covered(bluesky.text, mention!)).toBe('@maya.bsky.social');
    expect(mention!.index.byteStart).toBeGreaterThan(bluesky.text.indexOf('@maya.bsky.social'));

    // A second post of the same author: the cached DID, no second question.
    const again = await publishAndReadBluesky('Mock interviews', { bluesky: '@maya.bsky.social' }, `maya-${dialect}`);
    expect(mentionsOf(again)[0]!.features[0]!.did).toBe(MAYA_DID);
    expect(resolver.asked.filter((h) => h === 'maya.bsky.social')).toHaveLength(1);
    await allEventsHandled(database.db, ingest);
  });

  test('when the resolver does not know the handle or fails, then the payload keeps the plain "@handle" with no mention facet, the share is stored, and a warning is logged', async () => {
    for (const handle of ['nobody.example.org', 'broken.example.org']) {
      const bluesky = await publishAndReadBluesky(
        'Networking night',
        { bluesky: handle },
        `${handle.split('.')[0]}-${dialect}`,
      );
      expect(bluesky.text).toContain(`via @${handle}`);
      expect(mentionsOf(bluesky)).toEqual([]);
      // The link facet is still there: only the mention is missing.
      expect(bluesky.facets.some((f) => f.features[0]!.$type === 'app.bsky.richtext.facet#link')).toBe(true);
      expect(resolver.asked).toContain(handle);
      expect(logLines.some((l) => l.handle === handle && /without a mention facet/.test(l.msg))).toBe(true);
    }
    await allEventsHandled(database.db, ingest);
  });
});

describe('the Bluesky handle resolver cache', () => {
  test('a handle is asked again only after a day; a transient failure is retried sooner; a bad answer is no DID', async () => {
    const resolver = await startResolver();
    let clock = Date.parse('2026-12-07T00:00:00Z');
    const resolve = createBlueskyHandleResolver({
      serviceUrl: resolver.origin,
      allowPrivateNetworks: true,
      now: () => new Date(clock),
    });
    try {
      const asked = (handle: string) => resolver.asked.filter((h) => h === handle).length;
      const [a, b] = await Promise.all([resolve('Maya.bsky.social'), resolve('@maya.bsky.social')]);
      expect([a, b]).toEqual([MAYA_DID, MAYA_DID]);
      expect(asked('maya.bsky.social')).toBe(1);
      expect(await resolve('nobody.example.org')).toBeUndefined();
      expect(await resolve('broken.example.org')).toBeUndefined();
      expect(await resolve('weird.example.org')).toBeUndefined();

      clock += 16 * 60_000;
      await resolve('maya.bsky.social');
      await resolve('nobody.example.org');
      await resolve('broken.example.org');
      expect([asked('maya.bsky.social'), asked('nobody.example.org'), asked('broken.example.org')]).toEqual([1, 1, 2]);

      clock += 24 * 3_600_000;
      expect(await resolve('maya.bsky.social')).toBe(MAYA_DID);
      expect(asked('maya.bsky.social')).toBe(2);
    } finally {
      await resolver.close();
    }
  });

  test('an unreachable service is no DID, not an error', async () => {
    const resolver = await startResolver();
    await resolver.close();
    const resolve = createBlueskyHandleResolver({ serviceUrl: resolver.origin, allowPrivateNetworks: true });
    await expect(resolve('maya.bsky.social')).resolves.toBeUndefined();
  });

  test('without ALLOW_PRIVATE_NETWORKS a resolver on a private address is refused by the SSRF policy', async () => {
    const resolver = await startResolver();
    try {
      const resolve = createBlueskyHandleResolver({ serviceUrl: resolver.origin, allowPrivateNetworks: false });
      await expect(resolve('maya.bsky.social')).resolves.toBeUndefined();
      expect(resolver.asked).toEqual([]);
    } finally {
      await resolver.close();
    }
  });
});
