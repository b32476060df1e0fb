import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRedisConnection } from '@careerfeed/jobs';
import { announceFeedChanges, createPostEventsWorker } from '@careerfeed/worker';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { testRedisErrors } from '../helpers/redis-errors';

function itemIds(json: { items: { id: string }[] }): string[] {
  return json.items.map((item) => item.id);
}

describe.each(DIALECTS)('feeds over HTTP (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let instanceA: FeedInstance;
  let instanceB: FeedInstance;
  let worker: Worker;
  let workerRedis: Redis;
  const posts: Record<string, { id: string; slug: string }> = {};

  async function create(name: string, overrides: Record<string, unknown>) {
    const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    expect(response.status).toBe(201);
    posts[name] = response.body;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    await create('resume', { tags: ['resume'], category: 'resumes', published_at: '2025-03-01T09:00:00-05:00' });
    await create('interview', {
      tags: ['interviews'],
      category: 'interviews',
      published_at: '2025-03-02T09:00:00+05:30',
    });
    await create('draft', { status: 'draft', tags: ['resume'] });
    await create('scheduled', { published_at: '2999-01-01T00:00:00Z', tags: ['resume'] });
    // Scopes that exist but whose only posts readers may not see yet.
    await create('draftOnly', {
      status: 'draft',
      tags: ['drafts-only'],
      category: 'unpublished',
      author: { slug: 'new-writer', name: 'New Writer' },
    });
    await create('scheduledOnly', {
      published_at: '2999-01-01T00:00:00Z',
      tags: ['scheduled-only'],
      category: 'upcoming',
      author: { slug: 'future-writer', name: 'Future Writer' },
    });
    for (let i = 0; i < 3; i++)
      await create(`old${i}`, { tags: ['archive'], category: 'archive', published_at: `2024-01-0${i + 1}T00:00:00Z` });

    instanceA = await startFeedInstance(database.db, ingest.redisPrefix);
    instanceB = await startFeedInstance(database.db, ingest.redisPrefix);
    // The worker's part in the invalidation path only (events in, feed invalidations out), hand-wired on
    // purpose: this file tests the feed service; the whole worker's effects are tested in tests/worker.
    workerRedis = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    worker = createPostEventsWorker({
      connection: workerRedis,
      prefix: ingest.redisPrefix,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      handlers: [
        async (event) =>
          void (await announceFeedChanges(
            { db: database.db, redis: workerRedis, prefix: ingest.redisPrefix },
            event,
            [],
          )),
      ],
    });
    // Let the creations above flow through before any test caches a feed.
    ingest.relay.start();
    await waitFor(async () => {
      const counts = await ingest.queue.getJobCounts('waiting', 'active', 'delayed', 'completed');
      return (
        counts.completed === Object.keys(posts).length &&
        (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0
      );
    });
  });

  afterAll(async () => {
    await worker.close();
    workerRedis.disconnect();
    await instanceA.close();
    await instanceB.close();
    await ingest.close();
    await database.drop();
  });

  test('when the site feed is read, then it holds the published posts newest first, with feed headers', async () => {
    const response = await instanceA.request.get('/feed.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cache-control']).toMatch(/max-age=\d+, s-maxage=1, stale-while-revalidate=\d+/);
    expect(response.headers.vary).toBe('Accept-Encoding');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const feed = JSON.parse(response.text);
    expect(itemIds(feed)).toEqual(
      ['interview', 'resume', 'old2', 'old1', 'old0'].map((name) => `urn:uuid:${posts[name]!.id}`),
    );
    // Last-Modified comes from the items, not the clock.
    const newestUpdate = Math.max(...feed.items.map((i: { date_modified: string }) => Date.parse(i.date_modified)));
    expect(Date.parse(response.headers['last-modified']!)).toBe(Math.floor(newestUpdate / 1000) * 1000);
  });

  test('when a drafted or scheduled post exists, then no feed shows it', async () => {
    for (const path of ['/feed.json', '/tags/resume/feed.json']) {
      const ids = itemIds(JSON.parse((await instanceA.request.get(path)).text));
      expect(ids).not.toContain(`urn:uuid:${posts.draft!.id}`);
      expect(ids).not.toContain(`urn:uuid:${posts.scheduled!.id}`);
    }
  });

  test('when a tag, category or author feed is read, then it holds only that scope', async () => {
    const tag = JSON.parse((await instanceA.request.get('/tags/resume/feed.json')).text);
    expect(itemIds(tag)).toEqual([`urn:uuid:${posts.resume!.id}`]);
    const category = JSON.parse((await instanceA.request.get('/categories/interviews/feed.json')).text);
    expect(itemIds(category)).toEqual([`urn:uuid:${posts.interview!.id}`]);
    const author = await instanceA.request.get('/authors/maya-okafor/feed.xml');
    expect(author.status).toBe(200);
    expect(author.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    const atom = await instanceA.request.get('/tags/archive/feed.atom');
    expect(atom.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(atom.text.match(/<entry>/g)).toHaveLength(3);
  });

  test('when the client already has the feed, then If-None-Match and If-Modified-Since answer 304 without a body', async () => {
    const first = await instanceA.request.get('/feed.xml');
    const byEtag = await instanceA.request.get('/feed.xml').set('If-None-Match', first.headers.etag!);
    expect(byEtag.status).toBe(304);
    expect(byEtag.text).toBe('');
    expect(byEtag.headers.etag).toBe(first.headers.etag);
    const byDate = await instanceA.request.get('/feed.xml').set('If-Modified-Since', first.headers['last-modified']!);
    expect(byDate.status).toBe(304);
    const stale = await instanceA.request.get('/feed.xml').set('If-None-Match', '"something-else"');
    expect(stale.status).toBe(200);
  });

  test('when both instances render the same feed, then they give the same strong ETag', async () => {
    const a = await instanceA.request.get('/feed.atom');
    const b = await instanceB.request.get('/feed.atom');
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(a.text).toBe(b.text);
  });

  test('when a client accepts br or gzip, then it gets the same bytes compressed, and HEAD gets headers only', async () => {
    const identity = await instanceA.request.get('/feed.xml').set('Accept-Encoding', 'identity');
    const br = await instanceA.rawGet('/feed.xml', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(identity.text);
    const gzip = await instanceA.rawGet('/feed.xml', { 'Accept-Encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString('utf8')).toBe(identity.text);
    // The compressed bytes are made once and reused: a second request gets the very same bytes.
    expect((await instanceA.rawGet('/feed.xml', { 'Accept-Encoding': 'gzip' })).body.equals(gzip.body)).toBe(true);
    const head = await instanceA.request.head('/feed.xml');
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(identity.headers.etag);
    expect(head.text ?? '').toBe('');
  });

  test.each(
    (
      [
        ['/tags/no-such-tag/feed.xml', 404],
        ['/authors/nobody/feed.json', 404],
        ['/categories/nothing/feed.atom', 404],
        ['/feed.json?limit=abc', 400],
        ['/feed.json?page=-1', 400],
        ['/feed.json?page=0', 400],
        ['/feed.json?page=999', 404],
        ['/tags/..%2F..%2Fetc%2Fpasswd/feed.xml', 404],
        [`/tags/${'a'.repeat(5000)}/feed.xml`, 404],
      ] as const
    ).map(([path, status]) => ({ path, shown: path.slice(0, 60), status })),
  )(
    'when $shown is asked for, then the answer is $status problem+json, readable from another origin',
    async ({ path, status }) => {
      const response = await instanceA.request.get(path).set('Origin', 'https://department.example.edu');
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      // A campus site's script sees the 404 or 400 and its details, not an opaque network error.
      expect(response.headers['access-control-allow-origin']).toBe('*');
    },
  );

  test('when a script on another origin preflights a conditional GET, then the preflight allows it', async () => {
    const response = await instanceA.request
      .options('/tags/resume/feed.json')
      .set('Origin', 'https://department.example.edu')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'if-none-match');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-methods']).toBe('GET, HEAD');
    expect(response.headers['access-control-allow-headers']?.toLowerCase()).toContain('if-none-match');
    expect(Number(response.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(response.text ?? '').toBe('');
  });

  test.each(['POST', 'PUT', 'DELETE'])(
    'when a feed is sent %s, then the answer is 405 problem+json with Allow',
    async (method) => {
      const response = await instanceA.rawGet('/feed.json', { 'Content-Type': 'application/json' }, method);
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.headers['access-control-allow-origin']).toBe('*');
    },
  );

  test.each([
    '/tags/drafts-only/feed.json',
    '/categories/unpublished/feed.json',
    '/authors/new-writer/feed.json',
    '/tags/scheduled-only/feed.json',
    '/categories/upcoming/feed.json',
    '/authors/future-writer/feed.json',
  ])(
    'when %s names a scope whose only posts are drafts or scheduled, then it is an empty feed, not a 404',
    async (path) => {
      const json = await instanceA.request.get(path);
      expect(json.status).toBe(200);
      expect(JSON.parse(json.text).items).toEqual([]);
      const rss = await instanceA.request.get(path.replace('feed.json', 'feed.xml'));
      expect(rss.status).toBe(200);
      expect(rss.text).toContain('<channel>');
      expect(rss.text).not.toContain('<item>');
      const atom = await instanceA.request.get(path.replace('feed.json', 'feed.atom'));
      expect(atom.status).toBe(200);
      expect(atom.text).not.toContain('<entry>');
    },
  );

  describe('when a feed is already cached', () => {
    function withoutDate(headers: Record<string, unknown>): Record<string, unknown> {
      const { date: _date, ...rest } = headers;
      return rest;
    }

    test.each([
      ['GET', '/feed.xml', {}],
      ['GET', '/feed.xml', { 'Accept-Encoding': 'gzip' }],
      ['GET', '/feed.xml', { 'Accept-Encoding': 'gzip, deflate, br' }],
      ['HEAD', '/feed.xml', { 'Accept-Encoding': 'br' }],
      ['GET', '/feed.atom?limit=2&page=2&utm_source=newsletter', {}],
      ['GET', '/tags/archive/feed.json', { Origin: 'https://campus.example' }],
      ['GET', '/feed.json', { 'If-Modified-Since': 'Sat, 01 Mar 2025 14:00:00 GMT' }],
      ['HEAD', '/authors/maya-okafor/feed.xml', {}],
    ] as [string, string, Record<string, string>][])(
      'then %s %s %j gets the same status, headers and bytes as the render that cached it',
      async (method, path, headers) => {
        instanceA.cache.clear();
        const rendered = await instanceA.rawGet(path, headers, method);
        const cached = await instanceA.rawGet(path, headers, method);
        expect(rendered.status).toBe(200);
        expect(cached.status).toBe(rendered.status);
        expect(withoutDate(cached.headers)).toEqual(withoutDate(rendered.headers));
        expect(cached.body.equals(rendered.body)).toBe(true);
      },
    );

    // The header lines as sent (spelling, order, repeats), without Date, which is the clock's.
    function headerLines(raw: string[]): string[] {
      const lines: string[] = [];
      for (let i = 0; i < raw.length; i += 2)
        if (raw[i]!.toLowerCase() !== 'date') lines.push(`${raw[i]}: ${raw[i + 1]}`);
      return lines;
    }

    // `etag` in a request header stands for the feed's current ETag.
    test.each([
      ['GET', '/feed.xml', {}, 200, undefined],
      ['GET', '/feed.xml', { 'Accept-Encoding': 'gzip' }, 200, 'gzip'],
      ['GET', '/feed.xml', { 'Accept-Encoding': 'gzip, deflate, br' }, 200, 'br'],
      ['HEAD', '/feed.xml', {}, 200, undefined],
      ['HEAD', '/feed.xml', { 'Accept-Encoding': 'br' }, 200, 'br'],
      ['GET', '/feed.xml', { 'If-None-Match': 'etag' }, 304, undefined],
      ['GET', '/feed.xml', { 'Accept-Encoding': 'gzip, br', 'If-None-Match': 'etag' }, 304, undefined],
      ['HEAD', '/feed.xml', { 'If-None-Match': 'etag' }, 304, undefined],
      ['GET', '/tags/drafts-only/feed.json', { 'Accept-Encoding': 'gzip' }, 200, 'gzip'],
      ['GET', '/tags/drafts-only/feed.json', { 'If-None-Match': 'etag' }, 304, undefined],
    ] as [string, string, Record<string, string>, number, string | undefined][])(
      'then %s %s %j gets exactly these header lines, and the render that cached it the same ones',
      async (method, path, headers, status, encoding) => {
        instanceA.cache.clear();
        const identity = await instanceA.rawGet(path, {});
        const { etag, 'content-type': contentType, 'last-modified': lastModified } = identity.headers;
        const full = await instanceA.rawGet(path, { 'Accept-Encoding': encoding ?? 'identity' });
        const sent = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'etag' ? etag! : v]));
        instanceA.cache.clear();
        const rendered = await instanceA.rawGet(path, sent, method);
        const cached = await instanceA.rawGet(path, sent, method);

        const expected = [
          `Content-Type: ${contentType}`,
          `ETag: ${etag}`,
          // An empty feed has no date to give.
          ...(lastModified === undefined ? [] : [`Last-Modified: ${lastModified}`]),
          'Cache-Control: public, max-age=300, s-maxage=1, stale-while-revalidate=3600',
          'Vary: Accept-Encoding',
          'Access-Control-Allow-Origin: *',
          'Access-Control-Expose-Headers: ETag, Last-Modified, Link',
          ...(status === 304
            ? []
            : [...(encoding ? [`Content-Encoding: ${encoding}`] : []), `Content-Length: ${full.body.length}`]),
          'Connection: keep-alive',
          'Keep-Alive: timeout=5',
        ];
        expect(path.endsWith('drafts-only/feed.json')).toBe(lastModified === undefined);
        for (const answer of [rendered, cached]) {
          expect(answer.status).toBe(status);
          expect(answer.body.length).toBe(method === 'GET' && status === 200 ? full.body.length : 0);
        }
        expect(headerLines(cached.rawHeaders)).toEqual(expected);
        // The same lines from the render. Express's feed routes set the CORS lines before anything
        // else (errors carry them too), so there they may come first: the order of different
        // fields carries no meaning (RFC 9110 §5.3).
        expect(headerLines(rendered.rawHeaders).sort()).toEqual([...expected].sort());
      },
    );

    test('then clients asking at once for an encoding not made yet all get the same compressed bytes', async () => {
      instanceA.cache.clear();
      const identity = await instanceA.rawGet('/feed.xml', {});
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => instanceA.rawGet('/feed.xml', { 'Accept-Encoding': 'br' })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.headers['content-encoding']).toBe('br');
        expect(answer.body.equals(answers[0]!.body)).toBe(true);
      }
      expect(brotliDecompressSync(answers[0]!.body).equals(identity.body)).toBe(true);
    });

    test('then a matching If-None-Match gets the same 304 as from the render', async () => {
      instanceA.cache.clear();
      const { etag } = (await instanceA.rawGet('/feed.xml', {})).headers;
      instanceA.cache.clear();
      const rendered = await instanceA.rawGet('/feed.xml', { 'If-None-Match': etag! });
      const cached = await instanceA.rawGet('/feed.xml', { 'If-None-Match': etag! });
      expect(rendered.status).toBe(304);
      expect(cached.status).toBe(304);
      expect(withoutDate(cached.headers)).toEqual(withoutDate(rendered.headers));
      expect(cached.body.length).toBe(0);
    });

    test.each(['limit=abc', 'limit=1&limit=2', 'page=0', 'page=', 'limit=2.5'])(
      'then ?%s still gets the 400 problem+json',
      async (query) => {
        await instanceA.request.get('/feed.json');
        await instanceA.request.get('/feed.json?limit=2');
        const response = await instanceA.request.get(`/feed.json?${query}`);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(response.body.code).toBe('VALIDATION_FAILED');
      },
    );

    test('then unknown query parameters and a clamped limit answer from the same entry', async () => {
      const plain = await instanceA.request.get('/feed.json');
      const tracked = await instanceA.request.get('/feed.json?utm_source=x&fbclid=y');
      expect(tracked.headers.etag).toBe(plain.headers.etag);
      const most = await instanceA.request.get('/feed.json?limit=100');
      const clamped = await instanceA.request.get('/feed.json?limit=100000');
      expect(clamped.headers.etag).toBe(most.headers.etag);
    });

    test('then each answer is still counted in the request metrics under its route', async () => {
      const count = async () => {
        const metrics = (await instanceA.request.get('/metrics')).text;
        const line = metrics
          .split('\n')
          .find(
            (l) =>
              l.startsWith('http_request_duration_seconds_count{') &&
              l.includes('method="GET"') &&
              l.includes('route="/tags/:slug/feed.json"') &&
              l.includes('status="200"'),
          );
        return line === undefined ? 0 : Number(line.split(' ').pop());
      };
      await instanceA.request.get('/tags/archive/feed.json');
      const before = await count();
      await instanceA.request.get('/tags/archive/feed.json');
      await instanceA.request.get('/tags/archive/feed.json');
      expect(await count()).toBe(before + 2);
    });
  });

  test('when limit is above 100, then it is clamped; when a feed has more, then it links the next page', async () => {
    const clamped = JSON.parse((await instanceA.request.get('/feed.json?limit=100000')).text);
    expect(clamped.items.length).toBe(5);
    const page1 = JSON.parse((await instanceA.request.get('/feed.json?limit=2')).text);
    expect(page1.items).toHaveLength(2);
    expect(page1.next_url).toBe(`${PUBLIC_BASE_URL}/feed.json?limit=2&page=2`);
    const page3 = JSON.parse((await instanceA.request.get('/feed.json?limit=2&page=3')).text);
    expect(page3.items).toHaveLength(1);
    expect(page3.next_url).toBeUndefined();
  });

  test('when a post changes, then both instances serve the new feed within a second, and unrelated feeds stay cached', async () => {
    const before = await instanceA.request.get('/tags/resume/feed.json');
    await instanceB.request.get('/tags/resume/feed.json');
    const untouched = await instanceA.request.get('/tags/archive/feed.json');

    const patched = await ingest.request
      .patch(`/v1/posts/${posts.resume!.id}`)
      .set('Authorization', auth)
      .send({ title: 'Resume tips, revised' });
    expect(patched.status).toBe(200);

    // Within a second on every instance (the deadline of each wait).
    for (const instance of [instanceA, instanceB]) {
      await waitFor(
        async () => (await instance.request.get('/tags/resume/feed.json')).headers.etag !== before.headers.etag,
        1000,
      );
      const feed = JSON.parse((await instance.request.get('/tags/resume/feed.json')).text);
      expect(feed.items[0].title).toBe('Resume tips, revised');
    }
    // The archive tag was not touched: its cached entry survives (same bytes, same ETag, from cache).
    expect(instanceA.cache.get(`json|tag|archive|20|1`)).toBeDefined();
    expect((await instanceA.request.get('/tags/archive/feed.json')).headers.etag).toBe(untouched.headers.etag);
  });

  test("when a post changes, then its category's topic feed is renewed on every instance too", async () => {
    const before = await instanceA.request.get('/topics/resumes/feed.json');
    await instanceB.request.get('/topics/resumes/feed.json');
    expect(instanceA.cache.get(`json|topic|resumes|20|1`)).toBeDefined();

    const patched = await ingest.request
      .patch(`/v1/posts/${posts.resume!.id}`)
      .set('Authorization', auth)
      .send({ title: 'Resume tips, topic edition' });
    expect(patched.status).toBe(200);

    for (const instance of [instanceA, instanceB]) {
      await waitFor(
        async () => (await instance.request.get('/topics/resumes/feed.json')).headers.etag !== before.headers.etag,
        1000,
      );
      const feed = JSON.parse((await instance.request.get('/topics/resumes/feed.json')).text);
      expect(feed.items[0].title).toBe('Resume tips, topic edition');
    }
  });
});
