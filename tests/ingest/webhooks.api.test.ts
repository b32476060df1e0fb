import { Webhook } from 'standardwebhooks';
import type { Test } from 'supertest';
import { DIALECTS, createTestDatabase } from '../helpers/databases';
import { createIngestHarness } from '../helpers/ingest';
import { type IngestContext, errorPaths, expectProblem, useIngest } from './support';

const RECEIVER = 'http://127.0.0.1:9/hooks';
const UNKNOWN_ID = '01936f6e-0000-7000-8000-000000000000';

/** Rows of every table a webhook request may touch: "changes nothing" means these stay equal. */
async function webhookState({ database }: IngestContext): Promise<unknown[]> {
  const db = database.db.kysely;
  return [
    await db.selectFrom('webhook_destinations').selectAll().orderBy('id').execute(),
    await db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute(),
  ];
}

interface BadRequest {
  name: string;
  status: number;
  code: string;
  paths?: string[];
  send(ctx: IngestContext & { admin: string; existing: string }): Test;
}

const create = (c: { ingest: IngestContext['ingest']; admin: string }) =>
  c.ingest.request.post('/v1/webhooks').set('Authorization', c.admin);
const patch = (c: { ingest: IngestContext['ingest']; admin: string; existing: string }) =>
  c.ingest.request.patch(`/v1/webhooks/${c.existing}`).set('Authorization', c.admin);

const BAD_REQUESTS: BadRequest[] = [
  {
    name: 'the url is missing',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({}),
  },
  {
    name: 'the url is not http(s)',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: 'ftp://127.0.0.1/x' }),
  },
  {
    name: 'the url is javascript:',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: 'javascript:alert(1)' }),
  },
  {
    name: 'the url is relative',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: '/hooks' }),
  },
  {
    name: 'the url has a control character',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: 'http://127.0.0.1/a\u0000b' }),
  },
  {
    name: 'the url is over 2048 characters',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: `http://127.0.0.1/${'a'.repeat(2100)}` }),
  },
  {
    name: 'the url carries credentials',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: 'http://user:pass@127.0.0.1/hooks' }),
  },
  {
    name: 'the url is a number',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => create(c).send({ url: 42 }),
  },
  {
    name: 'a network is unknown',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['networks/1'],
    send: (c) => create(c).send({ url: RECEIVER, networks: ['x', 'myspace'] }),
  },
  {
    name: 'a network is repeated',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['networks'],
    send: (c) => create(c).send({ url: RECEIVER, networks: ['x', 'x'] }),
  },
  {
    name: 'networks is empty',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['networks'],
    send: (c) => create(c).send({ url: RECEIVER, networks: [] }),
  },
  {
    name: 'networks is a string',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['networks'],
    send: (c) => create(c).send({ url: RECEIVER, networks: 'x' }),
  },
  {
    name: 'a network is a unicode look-alike',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['networks/0'],
    send: (c) => create(c).send({ url: RECEIVER, networks: ['ｘ'] }),
  },
  {
    name: 'an unknown field is sent (a client may not choose the secret)',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['secret'],
    send: (c) => create(c).send({ url: RECEIVER, secret: 'whsec_mine' }),
  },
  {
    name: 'the body is an array',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: [''],
    send: (c) => create(c).send([{ url: RECEIVER }]),
  },
  {
    name: 'the body is malformed JSON',
    status: 400,
    code: 'MALFORMED_JSON',
    send: (c) => create(c).set('Content-Type', 'application/json').send('{"url": '),
  },
  {
    name: 'the body is a form',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    send: (c) => create(c).type('form').send({ url: RECEIVER }),
  },
  {
    name: 'the body is over 1 MB',
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    send: (c) => create(c).send({ url: RECEIVER, padding: 'x'.repeat(1_100_000) }),
  },
  {
    name: 'the key only has posts:write',
    status: 403,
    code: 'FORBIDDEN',
    send: (c) => c.ingest.request.post('/v1/webhooks').set('Authorization', c.auth).send({ url: RECEIVER }),
  },
  {
    name: 'there is no key',
    status: 401,
    code: 'UNAUTHENTICATED',
    send: (c) => c.ingest.request.post('/v1/webhooks').send({ url: RECEIVER }),
  },
  { name: 'a PATCH is empty', status: 400, code: 'VALIDATION_FAILED', paths: [''], send: (c) => patch(c).send({}) },
  {
    name: 'a PATCH sets enabled to a string',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['enabled'],
    send: (c) => patch(c).send({ enabled: 'yes' }),
  },
  {
    name: 'a PATCH sets an invalid url and valid networks',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['url'],
    send: (c) => patch(c).send({ url: 'gopher://x', networks: ['x'] }),
  },
  {
    name: 'a PATCH tries to change the secret',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['secret'],
    send: (c) => patch(c).send({ secret: 'whsec_mine' }),
  },
  {
    name: 'a webhook id is not an id',
    status: 404,
    code: 'NOT_FOUND',
    send: (c) => c.ingest.request.get('/v1/webhooks/%E2%80%AE..%2Fetc').set('Authorization', c.admin),
  },
  {
    name: 'a webhook id is unknown',
    status: 404,
    code: 'NOT_FOUND',
    send: (c) => c.ingest.request.delete(`/v1/webhooks/${UNKNOWN_ID}`).set('Authorization', c.admin),
  },
  {
    name: 'deliveries are filtered by an unknown status',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['status'],
    send: (c) =>
      c.ingest.request.get(`/v1/webhooks/${c.existing}/deliveries?status=lost`).set('Authorization', c.admin),
  },
  {
    name: 'deliveries are asked with a forged cursor',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['cursor'],
    send: (c) =>
      c.ingest.request.get(`/v1/webhooks/${c.existing}/deliveries?cursor=bm9wZQ`).set('Authorization', c.admin),
  },
  {
    name: 'deliveries are asked with limit 0',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['limit'],
    send: (c) => c.ingest.request.get(`/v1/webhooks/${c.existing}/deliveries?limit=0`).set('Authorization', c.admin),
  },
  {
    name: 'a delivery that does not exist is replayed',
    status: 404,
    code: 'NOT_FOUND',
    send: (c) =>
      c.ingest.request
        .post(`/v1/webhooks/${c.existing}/deliveries/msg_doesnotexist/replay`)
        .set('Authorization', c.admin),
  },
  {
    name: 'a replay names a hostile delivery id',
    status: 404,
    code: 'NOT_FOUND',
    send: (c) =>
      c.ingest.request.post(`/v1/webhooks/${c.existing}/deliveries/..%2F..%2Fx/replay`).set('Authorization', c.admin),
  },
  {
    name: 'webhooks are PUT',
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    send: (c) => c.ingest.request.put('/v1/webhooks').set('Authorization', c.admin).send({ url: RECEIVER }),
  },
];

describe.each(DIALECTS)('webhook destinations API (%s)', (dialect) => {
  const context = useIngest(dialect);
  let admin: string;
  let existing: { id: string; url: string; secret: string };

  beforeAll(async () => {
    const { ingest } = context();
    admin = await ingest.bearer('admin');
    const response = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: RECEIVER, networks: ['mastodon', 'bluesky'] });
    expect(response.status).toBe(201);
    existing = response.body as typeof existing;
  });

  test('when a destination is created, then 201 returns its id, url, networks and a whsec_ secret the official verifier accepts, shown only then', async () => {
    const { ingest } = context();

    const response = await ingest.request.post('/v1/webhooks').set('Authorization', admin).send({ url: RECEIVER });

    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/v1/webhooks/${response.body.id}`);
    expect(response.body).toMatchObject({
      url: RECEIVER,
      networks: ['x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'threads'],
      enabled: true,
    });
    expect(response.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(response.body.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(() => new Webhook(response.body.secret)).not.toThrow();
    const read = await ingest.request.get(`/v1/webhooks/${response.body.id}`).set('Authorization', admin);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    const list = await ingest.request.get('/v1/webhooks').set('Authorization', admin);
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(response.body.id);
    expect(JSON.stringify(list.body)).not.toContain(response.body.secret);
  });

  test('when a destination is patched, then url, networks and enabled change and read back; deleting it answers 204 then 404', async () => {
    const { ingest } = context();
    const created = await ingest.request.post('/v1/webhooks').set('Authorization', admin).send({ url: RECEIVER });

    const patched = await ingest.request
      .patch(`/v1/webhooks/${created.body.id}`)
      .set('Authorization', admin)
      .send({ url: 'http://127.0.0.1:9/other', networks: ['threads'], enabled: false });

    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      url: 'http://127.0.0.1:9/other',
      networks: ['threads'],
      enabled: false,
      disabled_reason: 'operator',
    });
    const read = await ingest.request.get(`/v1/webhooks/${created.body.id}`).set('Authorization', admin);
    expect(read.body).toEqual(patched.body);
    const deleted = await ingest.request.delete(`/v1/webhooks/${created.body.id}`).set('Authorization', admin);
    expect(deleted.status).toBe(204);
    const gone = await ingest.request.get(`/v1/webhooks/${created.body.id}`).set('Authorization', admin);
    expectProblem(gone, 404, 'NOT_FOUND');
  });

  test.each(BAD_REQUESTS)('when $name, then $status $code and nothing changes', async (bad) => {
    const ctx = context();
    const before = await webhookState(ctx);

    const response = await bad.send({ ...ctx, admin, existing: existing.id });

    const problem = expectProblem(response, bad.status, bad.code);
    if (bad.paths) expect(errorPaths(problem)).toEqual(bad.paths);
    expect(await webhookState(ctx)).toEqual(before);
  });
});

describe('webhook destinations without ALLOW_PRIVATE_NETWORKS (sqlite)', () => {
  test.each(['http://127.0.0.1:8080/hooks', 'http://[::1]/hooks', 'http://10.1.2.3/hooks', 'http://localhost/hooks'])(
    'when the url is %s, then 400 names the url and nothing is stored',
    async (url) => {
      const database = await createTestDatabase('sqlite');
      const ingest = createIngestHarness(database.db, process.env.TEST_REDIS_URL!, { allowPrivateNetworks: false });
      try {
        const admin = await ingest.bearer('admin');

        const response = await ingest.request.post('/v1/webhooks').set('Authorization', admin).send({ url });

        const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(errorPaths(problem)).toEqual(['url']);
        const stored = await database.db.kysely.selectFrom('webhook_destinations').selectAll().execute();
        expect(stored).toEqual([]);
      } finally {
        await ingest.close();
        await database.drop();
      }
    },
  );
});
