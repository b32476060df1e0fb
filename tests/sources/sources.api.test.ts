import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { DIALECTS } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { createIngestHarness } from '../helpers/ingest';
import {
  type PartnerServer,
  type SourceBody,
  type SourcesEngine,
  rssFeed,
  serveFeed,
  startPartnerServer,
  startSourcesEngine,
} from './support';

describe.each(DIALECTS)('sources API (%s)', (dialect) => {
  let engine: SourcesEngine;
  let partner: PartnerServer;

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    partner = await startPartnerServer();
    partner.routes.set(
      '/feed.xml',
      serveFeed(() => rssFeed(''), 'application/rss+xml'),
    );
  });

  afterAll(async () => {
    await engine.close();
    await partner.close();
  });

  const post = (body: unknown, auth = engine.admin) =>
    engine.ingest.request
      .post('/v1/sources')
      .set('Authorization', auth)
      .send(body as object);
  const count = async () =>
    ((await engine.ingest.request.get('/v1/sources').set('Authorization', engine.admin)).body.items as unknown[])
      .length;

  test('when an admin adds a source, then it answers 201 with Location, the source and its health, and lists it', async () => {
    const url = `${partner.origin}/feed.xml`;
    const response = await post({ url, interval_minutes: 30, author: 'Alumni Relations', category: 'Alumni News' });

    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/v1/sources/${response.body.id}`);
    expect(response.body).toMatchObject({
      url,
      interval_minutes: 30,
      author: 'Alumni Relations',
      category: 'alumni-news',
      health: { consecutive_failures: 0, last_error: null, items_count: 0 },
    });
    expect(typeof response.body.health.next_poll_at).toBe('string');
    const list = await engine.ingest.request.get('/v1/sources').set('Authorization', engine.admin);
    expect(list.status).toBe(200);
    expect((list.body.items as SourceBody[]).map((s) => s.id)).toContain(response.body.id);
  });

  test('when sources are read, then the bodies match the Source schemas of the OpenAPI document', async () => {
    const doc = (await engine.ingest.request.get('/openapi.json')).body as {
      components: { schemas: Record<string, object> };
    };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    const check = (name: string, body: unknown) =>
      expect({ name, errors: ajv.validate(`#/components/schemas/${name}`, body) ? null : ajv.errorsText() }).toEqual({
        name,
        errors: null,
      });

    const created = await post({ url: `${partner.origin}/feed.xml?openapi`, author: 'Alumni' });
    expect(created.status).toBe(201);
    check('Source', created.body);
    check('SourceList', (await engine.ingest.request.get('/v1/sources').set('Authorization', engine.admin)).body);
    check('CreateSource', { url: 'https://partner.example/feed.xml', interval_minutes: 30 });
    expect(ajv.validate('#/components/schemas/CreateSource', { url: 'https://p.example/', every: 5 })).toBe(false);
  });

  test('when a source is patched, then the fields change and null clears the author; the URL cannot be patched', async () => {
    const created = await post({ url: `${partner.origin}/feed.xml?patch`, author: 'Someone' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const patched = await engine.ingest.request
      .patch(`/v1/sources/${id}`)
      .set('Authorization', engine.admin)
      .send({ interval_minutes: 120, author: null, category: 'Partners' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ interval_minutes: 120, author: null, category: 'partners' });
    expect(
      (await engine.ingest.request.get(`/v1/sources/${id}`).set('Authorization', engine.admin)).body,
    ).toMatchObject({
      interval_minutes: 120,
      author: null,
    });

    const urlChange = await engine.ingest.request
      .patch(`/v1/sources/${id}`)
      .set('Authorization', engine.admin)
      .send({ url: 'http://elsewhere.example/' });
    expect(urlChange.status).toBe(400);
    expect(urlChange.body.errors).toEqual([{ path: 'url', message: 'is not a known field' }]);
  });

  test.each([
    ['a URL that is not http(s)', { url: 'ftp://partner.example/feed' }, 'url'],
    ['a relative URL', { url: '/feed.xml' }, 'url'],
    ['a host that does not resolve', { url: 'http://no-such-host.invalid/feed' }, 'url'],
    ['an interval under 5 minutes', { url: 'http://127.0.0.1:9/feed', interval_minutes: 1 }, 'interval_minutes'],
    ['a fractional interval', { url: 'http://127.0.0.1:9/feed', interval_minutes: 7.5 }, 'interval_minutes'],
    ['an unknown field', { url: 'http://127.0.0.1:9/feed', every: 5 }, 'every'],
    ['no url', { author: 'x' }, 'url'],
    ['a blank author', { url: 'http://127.0.0.1:9/feed', author: '   ' }, 'author'],
  ])('when the body has %s, then it answers 400 naming the field and stores nothing', async (_name, body, path) => {
    const before = await count();
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect((response.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
    expect(await count()).toBe(before);
  });

  test('when private networks are not allowed, then a loopback source is refused with 400 and not stored', async () => {
    const guarded = createIngestHarness(engine.database.db, process.env.TEST_REDIS_URL!, {
      allowPrivateNetworks: false,
    });
    try {
      const admin = await guarded.bearer('admin');
      const before = await count();
      for (const url of [
        `${partner.origin}/feed.xml?guarded`,
        'http://localhost:1/feed',
        'http://[::1]/feed',
        'http://10.0.0.8/feed',
      ]) {
        const response = await guarded.request.post('/v1/sources').set('Authorization', admin).send({ url });
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([
          { path: 'url', message: expect.stringMatching(/private|loopback|reserved/) },
        ]);
      }
      expect(await count()).toBe(before);
    } finally {
      await guarded.close();
    }
  });

  test('when the URL is already a source, then it answers 409 and keeps one source', async () => {
    const url = `${partner.origin}/feed.xml?twice`;
    expect((await post({ url })).status).toBe(201);
    const before = await count();
    const again = await post({ url });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
    expect(await count()).toBe(before);
  });

  test("when an API client posts into a partner source's namespace, then it answers 400 naming source and stores nothing", async () => {
    const created = await post({ url: `${partner.origin}/feed.xml?namespace` });
    const writer = await engine.ingest.bearer('posts:write');
    const listed = async () =>
      ((await engine.ingest.request.get('/v1/posts?limit=100').set('Authorization', writer)).body.items as unknown[])
        .length;
    const before = await listed();
    const body = buildPost({ source: created.body.id, external_id: 'https://partner.example/item-1' });

    const response = await engine.ingest.request.post('/v1/posts').set('Authorization', writer).send(body);

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'source', message: expect.stringContaining('partner feed source') }]);
    expect(await listed()).toBe(before);
    // Any other namespace stays open to importers.
    const own = await engine.ingest.request
      .post('/v1/posts')
      .set('Authorization', writer)
      .send({ ...body, source: 'alumni-import' });
    expect(own.status).toBe(201);
  });

  test('when a posts:write key is used, then every sources route answers 403', async () => {
    const writer = await engine.ingest.bearer('posts:write');
    expect((await post({ url: `${partner.origin}/feed.xml?writer` }, writer)).status).toBe(403);
    expect((await engine.ingest.request.get('/v1/sources').set('Authorization', writer)).status).toBe(403);
  });

  test('when the id is unknown, then GET, PATCH, DELETE and poll answer 404', async () => {
    const id = '0190c8e4-0000-7000-8000-0000000000ff';
    const auth = engine.admin;
    expect((await engine.ingest.request.get(`/v1/sources/${id}`).set('Authorization', auth)).status).toBe(404);
    expect(
      (await engine.ingest.request.patch(`/v1/sources/${id}`).set('Authorization', auth).send({ author: 'x' })).status,
    ).toBe(404);
    expect((await engine.ingest.request.delete(`/v1/sources/${id}`).set('Authorization', auth)).status).toBe(404);
    expect((await engine.ingest.request.post(`/v1/sources/${id}/poll`).set('Authorization', auth)).status).toBe(404);
    expect((await engine.ingest.request.get('/v1/sources/not-an-id').set('Authorization', auth)).status).toBe(404);
  });

  test('when a source is deleted, then it answers 204 and the source is gone', async () => {
    const created = await post({ url: `${partner.origin}/feed.xml?delete` });
    const id = created.body.id as string;
    expect((await engine.ingest.request.delete(`/v1/sources/${id}`).set('Authorization', engine.admin)).status).toBe(
      204,
    );
    expect((await engine.ingest.request.get(`/v1/sources/${id}`).set('Authorization', engine.admin)).status).toBe(404);
  });
});
