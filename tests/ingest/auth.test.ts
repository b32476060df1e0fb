import { apiKeysRepository, createApiKey } from '@careerfeed/http';
import type { Test } from 'supertest';
import { uuidv7 } from '@careerfeed/db';
import { DIALECTS } from '../helpers/databases';
import { type IngestContext, buildPost, countRows, expectProblem, useIngest } from './support';

/** Every route of the API with a body that would be accepted if the caller were authenticated. */
const ROUTES: [string, (ctx: IngestContext) => Test][] = [
  ['POST /v1/posts', ({ ingest }) => ingest.request.post('/v1/posts').send(buildPost())],
  ['GET /v1/posts', ({ ingest }) => ingest.request.get('/v1/posts')],
  ['GET /v1/posts/{id}', ({ ingest }) => ingest.request.get(`/v1/posts/${uuidv7()}`)],
  ['PATCH /v1/posts/{id}', ({ ingest }) => ingest.request.patch(`/v1/posts/${uuidv7()}`).send({ title: 'x' })],
  ['DELETE /v1/posts/{id}', ({ ingest }) => ingest.request.delete(`/v1/posts/${uuidv7()}`)],
  ['GET /v1/authors', ({ ingest }) => ingest.request.get('/v1/authors')],
  ['GET /v1/authors/{slug}', ({ ingest }) => ingest.request.get('/v1/authors/maya-okafor')],
  ['PUT /v1/authors/{slug}', ({ ingest }) => ingest.request.put('/v1/authors/new-author').send({ name: 'New Author' })],
];

describe.each(DIALECTS)('authentication on %s', (dialect) => {
  const ctx = useIngest(dialect);

  test.each(ROUTES)(
    'when %s comes without Authorization, then responds 401 UNAUTHENTICATED with WWW-Authenticate and changes nothing',
    async (_route, send) => {
      const before = await countRows(ctx());

      const res = await send(ctx());

      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+"$/);
      expect(await countRows(ctx())).toEqual(before);
    },
  );

  test.each([
    ['a Basic credential', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['the scheme without a key', 'Bearer'],
    ['the scheme and a blank key', 'Bearer    '],
    ['two tokens', 'Bearer one two'],
    ['a key without the scheme', 'cf_abcdefghijklmnopqrstuvwxyz'],
    ['a different scheme with a real-looking key', 'Token cf_abcdefghijklmnopqrstuvwxyz'],
  ])('when the Authorization header is %s, then responds 401 UNAUTHENTICATED', async (_name, header) => {
    const { ingest } = ctx();

    const res = await ingest.request.get('/v1/posts').set('Authorization', header);

    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  test('when the key is unknown, then responds 401 UNAUTHENTICATED and changes nothing', async () => {
    const { ingest } = ctx();
    const before = await countRows(ctx());

    const res = await ingest.request
      .post('/v1/posts')
      .set('Authorization', 'Bearer cf_thisKeyWasNeverIssuedByTheCareerfeedCli0000000')
      .send(buildPost());

    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when the key has been revoked, then responds 401 UNAUTHENTICATED', async () => {
    const { ingest, database } = ctx();
    const key = await createApiKey(database.db, 'soon revoked', ['posts:write']);
    await ingest.request.get('/v1/posts').set('Authorization', `Bearer ${key.key}`).expect(200);

    const revoked = await apiKeysRepository.revokeApiKey(database.db.kysely, key.id, new Date().toISOString());
    const res = await ingest.request.get('/v1/posts').set('Authorization', `Bearer ${key.key}`);

    expect(revoked).toBe(1);
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });

  test('when an unauthenticated client sends a 2 MB body, then responds 401 without reading it (not 413)', async () => {
    const { ingest } = ctx();
    const before = await countRows(ctx());

    const res = await ingest.request
      .post('/v1/posts')
      .send(buildPost({ html: `<p>${'x'.repeat(2 * 1024 * 1024)}</p>` }));

    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when an unauthenticated client sends malformed JSON, then responds 401, not 400', async () => {
    const { ingest } = ctx();

    const res = await ingest.request.post('/v1/posts').set('Content-Type', 'application/json').send('{nope');

    expectProblem(res, 401, 'UNAUTHENTICATED');
  });

  test('when a posts:write key is used, then every route answers (none needs more than posts:write)', async () => {
    const { ingest } = ctx();
    const auth = await ingest.bearer('posts:write');
    const created = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost());

    const statuses = [
      created.status,
      (await ingest.request.get('/v1/posts').set('Authorization', auth)).status,
      (await ingest.request.get(`/v1/posts/${created.body.id}`).set('Authorization', auth)).status,
      (await ingest.request.patch(`/v1/posts/${created.body.id}`).set('Authorization', auth).send({ title: 'Renamed' }))
        .status,
      (await ingest.request.put('/v1/authors/scope-check').set('Authorization', auth).send({ name: 'Scope Check' }))
        .status,
      (await ingest.request.get('/v1/authors').set('Authorization', auth)).status,
      (await ingest.request.get('/v1/authors/scope-check').set('Authorization', auth)).status,
      (await ingest.request.delete(`/v1/posts/${created.body.id}`).set('Authorization', auth)).status,
    ];

    expect(statuses).toEqual([201, 200, 200, 200, 201, 200, 200, 204]);
  });

  test('when an admin key is used, then the posts:write routes accept it', async () => {
    const { ingest } = ctx();
    const admin = await ingest.bearer('admin');

    const created = await ingest.request.post('/v1/posts').set('Authorization', admin).send(buildPost());
    const listed = await ingest.request.get('/v1/posts').set('Authorization', admin);
    const author = await ingest.request
      .put('/v1/authors/admin-made')
      .set('Authorization', admin)
      .send({ name: 'Admin Made' });

    expect([created.status, listed.status, author.status]).toEqual([201, 200, 201]);
  });

  test('when the scheme is written in lower case, then the key is still accepted', async () => {
    const { ingest } = ctx();
    const auth = (await ingest.bearer('posts:write')).replace(/^Bearer/, 'bearer');

    const res = await ingest.request.get('/v1/posts').set('Authorization', auth);

    expect(res.status).toBe(200);
  });

  test('when a key is used, then its last use is recorded', async () => {
    const { ingest, database } = ctx();
    const key = await createApiKey(database.db, 'usage tracked', ['posts:write']);

    await ingest.request.get('/v1/posts').set('Authorization', `Bearer ${key.key}`).expect(200);

    const row = await database.db.kysely
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).not.toBeNull();
  });
});
