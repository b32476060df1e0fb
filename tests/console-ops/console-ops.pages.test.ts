import { uuidv7 } from '@careerfeed/db';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, type SignedIn, createConsoleHarness } from '../helpers/console';
import { buildPost } from '../helpers/factories';
import { insertSubscriber } from '../digests/support';

/** The console's operations pages over HTTP, signed in as the other helper's harness signs in. */
describe.each(DIALECTS)('console operations pages (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let editor: SignedIn;
  let admin: SignedIn;
  let apiAdmin: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db);
    editor = await harness.signIn({ role: 'editor' });
    admin = await harness.signIn({ role: 'admin' });
    apiAdmin = await harness.ingest.bearer('admin');
    for (const tags of [['cv'], ['cv', 'resumes'], ['resumes']]) {
      const created = await harness.ingest.request
        .post('/v1/posts')
        .set('Authorization', apiAdmin)
        .send(buildPost({ tags }));
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  const audit = (action: string) =>
    database.db.kysely.selectFrom('staff_audit_log').selectAll().where('action', '=', action).execute();
  const form = (who: SignedIn, path: string, body: Record<string, string>, csrf = true) =>
    who.agent
      .post(path)
      .type('form')
      .send(csrf ? { ...body, csrf_token: who.csrf } : body);

  test('when an editor opens the editor pages, then they load, and every admin page answers 403', async () => {
    for (const path of ['/console/authors', '/console/authors/maya-okafor', '/console/topics', '/console/audience']) {
      const page = await editor.agent.get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
    }
    expect((await editor.agent.get('/console/audience')).text).not.toContain('/console/subscribers');
    for (const path of [
      '/console/subscribers?q=example',
      '/console/subscribers/export.csv',
      '/console/subscribers/suppressions',
      '/console/distribution/webhooks',
      '/console/distribution/sources',
      '/console/distribution/api-keys',
    ]) {
      expect([path, (await editor.agent.get(path)).status]).toEqual([path, 403]);
    }
    const post = await form(editor, '/console/subscribers/suppressions', { email: 'x@example.edu', reason: '' });
    expect(post.status).toBe(403);
    expect(await database.db.kysely.selectFrom('suppressed_addresses').selectAll().execute()).toEqual([]);
  });

  test('when a POST carries no CSRF token, then it is a 403 and nothing changes', async () => {
    const merge = await form(editor, '/console/topics/merge', { kind: 'tag', from: 'cv', into: 'resumes' }, false);
    expect(merge.status).toBe(403);
    const rename = await form(admin, '/console/topics/tags/cv/rename', { name: 'Hacked' }, false);
    expect(rename.status).toBe(403);
    const key = await form(admin, '/console/distribution/api-keys', { name: 'sneaky', scope: 'admin' }, false);
    expect(key.status).toBe(403);
    const tags = await database.db.kysely.selectFrom('tags').selectAll().execute();
    expect(tags.find((t) => t.slug === 'cv')?.name).toBe('cv');
    expect(await database.db.kysely.selectFrom('topic_redirects').selectAll().execute()).toEqual([]);
    expect(
      await database.db.kysely.selectFrom('api_keys').select('name').where('name', '=', 'sneaky').execute(),
    ).toEqual([]);
  });

  test('authors: an editor saves bio, photo and links; bad links or photo are a 400 that keeps the values and stores nothing', async () => {
    const bad = await form(editor, '/console/authors/maya-okafor', {
      bio: 'New bio',
      photo_url: 'javascript:alert(1)',
      links: 'LinkedIn https://www.linkedin.com/in/maya\nnospace',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('role="alert"');
    expect(bad.text).toContain('New bio');
    const unchanged = await database.db.kysely
      .selectFrom('authors')
      .selectAll()
      .where('slug', '=', 'maya-okafor')
      .executeTakeFirstOrThrow();
    expect(unchanged.bio).toBe('Senior Career Advisor');

    const good = await form(editor, '/console/authors/maya-okafor', {
      bio: 'Advises on <b>resumes</b>.',
      photo_url: 'https://cdn.example.edu/maya.jpg',
      links: 'linkedin https://www.linkedin.com/in/maya\nmastodon @maya@mastodon.example',
    });
    expect(good.status).toBe(303);
    const saved = await database.db.kysely
      .selectFrom('authors')
      .selectAll()
      .where('slug', '=', 'maya-okafor')
      .executeTakeFirstOrThrow();
    expect(saved.photo_url).toBe('https://cdn.example.edu/maya.jpg');
    expect(JSON.parse(saved.links)).toEqual({
      linkedin: 'https://www.linkedin.com/in/maya',
      mastodon: '@maya@mastodon.example',
    });
    const api = await harness.ingest.request.get('/v1/authors').set('Authorization', apiAdmin);
    expect(api.body.items ?? api.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ slug: 'maya-okafor', bio: 'Advises on <b>resumes</b>.' })]),
    );
    const page = await editor.agent.get('/console/authors/maya-okafor');
    // Hostile text stays text.
    expect(page.text).toContain('Advises on &lt;b&gt;resumes&lt;/b&gt;.');
    expect(await audit('author.updated')).toHaveLength(1);
  });

  test('authors: an uploaded image becomes the photo; a file that is no image is refused and changes nothing', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    const before = await database.db.kysely
      .selectFrom('authors')
      .select('photo_url')
      .where('slug', '=', 'maya-okafor')
      .executeTakeFirstOrThrow();
    const noToken = await editor.agent.post('/console/authors/maya-okafor/photo').attach('photo', png, 'me.png');
    expect(noToken.status).toBe(403);
    const svg = await editor.agent
      .post(`/console/authors/maya-okafor/photo?csrf_token=${encodeURIComponent(editor.csrf)}`)
      .attach('photo', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'x.svg');
    expect(svg.status).toBe(422);
    expect(svg.text).toContain('role="alert"');
    expect(
      await database.db.kysely
        .selectFrom('authors')
        .select('photo_url')
        .where('slug', '=', 'maya-okafor')
        .executeTakeFirstOrThrow(),
    ).toEqual(before);

    const uploaded = await editor.agent
      .post(`/console/authors/maya-okafor/photo?csrf_token=${encodeURIComponent(editor.csrf)}`)
      .attach('photo', png, 'me.png');
    expect(uploaded.status).toBe(303);
    const after = await database.db.kysely
      .selectFrom('authors')
      .selectAll()
      .where('slug', '=', 'maya-okafor')
      .executeTakeFirstOrThrow();
    expect(after.photo_url).toMatch(/^https:\/\/careers\.test\.example\/media\/[0-9a-f]{32}\.png$/);
    expect(JSON.parse(after.links)).toHaveProperty('linkedin');
    expect(await audit('author.photo_uploaded')).toHaveLength(1);
  });

  test('topics: rename, then merge through the confirmation page; the old tag redirects', async () => {
    expect((await form(editor, '/console/topics/tags/cv/rename', { name: '  ' })).status).toBe(400);
    expect((await form(editor, '/console/topics/tags/cv/rename', { name: 'CVs' })).status).toBe(303);
    const list = await editor.agent.get('/console/topics');
    expect(list.text).toContain('CVs');

    const confirm = await editor.agent.get('/console/topics/merge').query({ kind: 'tag', from: 'cv', into: 'resumes' });
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('2 posts move from cv to resumes');
    expect(confirm.text).toContain('class="danger"');
    // Only the POST changes anything.
    expect(await database.db.kysely.selectFrom('tags').select('slug').where('slug', '=', 'cv').execute()).toHaveLength(
      1,
    );

    const merged = await form(editor, '/console/topics/merge', { kind: 'tag', from: 'cv', into: 'resumes' });
    expect(merged.status).toBe(303);
    expect(await database.db.kysely.selectFrom('tags').select('slug').where('slug', '=', 'cv').execute()).toHaveLength(
      0,
    );
    expect(await database.db.kysely.selectFrom('topic_redirects').selectAll().execute()).toEqual([
      expect.objectContaining({ kind: 'tag', from_slug: 'cv', to_slug: 'resumes' }),
    ]);
    const [entry] = await audit('tag.merged');
    expect(JSON.parse(entry!.details)).toMatchObject({ into: 'resumes', posts: 2 });
    const again = await form(editor, '/console/topics/merge', { kind: 'tag', from: 'cv', into: 'resumes' });
    expect(again.status).toBe(404);
  });

  test('audience: counts for editors; search, formula-safe CSV export and the suppression list for admins', async () => {
    await insertSubscriber(database.db, { email: '=cmd@example.edu', topics: '["tag:resumes"]' });
    await insertSubscriber(database.db, { email: 'kim@example.edu', frequency: 'weekly' });
    const page = await editor.agent.get('/console/audience');
    expect(page.text).toContain('<svg');
    expect(page.text).toContain('Subscribers per day');
    expect(page.text).not.toContain('kim@example.edu');

    const search = await admin.agent.get('/console/subscribers').query({ q: 'KIM@' });
    expect(search.status).toBe(200);
    expect(search.text).toContain('kim@example.edu');
    expect((await admin.agent.get('/console/subscribers').query({ q: 'k' })).status).toBe(400);

    const csv = await admin.agent
      .get('/console/subscribers/export.csv')
      .buffer(true)
      .parse((res, done) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => done(null, body));
      });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body as string).toContain("'=cmd@example.edu");
    expect(csv.body as string).not.toMatch(/(^|\n)=/);
    expect(await audit('subscribers.exported')).toHaveLength(1);

    expect((await form(admin, '/console/subscribers/suppressions', { email: 'nope', reason: '' })).status).toBe(400);
    expect(
      (await form(admin, '/console/subscribers/suppressions', { email: 'Kim@Example.edu', reason: 'complaint' }))
        .status,
    ).toBe(303);
    expect((await admin.agent.get('/console/subscribers/suppressions')).text).toContain('Kim@Example.edu');
    const confirm = await admin.agent
      .get('/console/subscribers/suppressions/remove')
      .query({ email: 'Kim@Example.edu' });
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('class="danger"');
    expect((await form(admin, '/console/subscribers/suppressions/remove', { email: 'Kim@Example.edu' })).status).toBe(
      303,
    );
    expect(await database.db.kysely.selectFrom('suppressed_addresses').selectAll().execute()).toEqual([]);
    expect(await audit('address.suppressed')).toHaveLength(1);
    expect(await audit('address.unsuppressed')).toHaveLength(1);
  });

  test('webhooks: a dead letter is retried onto the queue once, and a rotated secret is shown once', async () => {
    const created = await harness.ingest.request
      .post('/v1/webhooks')
      .set('Authorization', apiAdmin)
      .send({ url: 'http://127.0.0.1:9/hook', networks: ['x'] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const post = await database.db.kysely.selectFrom('posts').select('id').executeTakeFirstOrThrow();
    const messageId = `msg_${uuidv7().replace(/-/g, '')}`;
    const at = new Date().toISOString();
    await database.db.kysely
      .insertInto('webhook_deliveries')
      .values({
        id: messageId,
        destination_id: id,
        post_id: post.id,
        network: 'x',
        status: 'failed',
        body: '{}',
        attempts: 8,
        last_error: 'HTTP 500',
        created_at: at,
        updated_at: at,
        delivered_at: null,
      })
      .execute();

    const page = await admin.agent.get(`/console/distribution/webhooks/${id}`).query({ status: 'failed' });
    expect(page.status).toBe(200);
    expect(page.text).toContain(messageId);
    const retry = await form(admin, `/console/distribution/webhooks/${id}/deliveries/${messageId}/retry`, {});
    expect(retry.status).toBe(303);
    const twice = await form(admin, `/console/distribution/webhooks/${id}/retry-dead`, {});
    expect(twice.status).toBe(303);
    const queued = await harness.ingest.deliveriesQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    expect(queued.map((j) => j.id)).toEqual([messageId]);
    const row = await database.db.kysely
      .selectFrom('webhook_deliveries')
      .select('status')
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');

    const before = await database.db.kysely
      .selectFrom('webhook_destinations')
      .select('secret')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect((await admin.agent.get(`/console/distribution/webhooks/${id}/rotate-secret`)).text).toContain(
      'class="danger"',
    );
    const rotated = await form(admin, `/console/distribution/webhooks/${id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    const secret = /id="secret" type="text" readonly value="(whsec_[^"]+)"/.exec(rotated.text)?.[1];
    expect(secret).toBeDefined();
    const after = await database.db.kysely
      .selectFrom('webhook_destinations')
      .select('secret')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after.secret).not.toBe(before.secret);
    expect(after.secret).not.toContain(secret!);
    expect((await admin.agent.get(`/console/distribution/webhooks/${id}`)).text).not.toContain(secret!);
    expect(await audit('webhook.secret_rotated')).toHaveLength(1);
  });

  test('sources: poll now queues a forced poll; a bad address is a 400 that keeps the old one', async () => {
    const created = await harness.ingest.request
      .post('/v1/sources')
      .set('Authorization', apiAdmin)
      .send({ url: 'http://127.0.0.1:9/partner.xml' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await harness.ingest.sourcePolls.obliterate({ force: true });
    expect((await admin.agent.get('/console/distribution/sources')).text).toContain('127.0.0.1:9/partner.xml');
    expect((await form(admin, `/console/distribution/sources/${id}/poll`, {})).status).toBe(303);
    const jobs = await harness.ingest.sourcePolls.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => (j.data as { sourceId: string }).sourceId)).toEqual([id]);

    const bad = await form(admin, `/console/distribution/sources/${id}/url`, { url: 'ftp://partner.example/feed' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('ftp://partner.example/feed');
    const changed = await form(admin, `/console/distribution/sources/${id}/url`, {
      url: 'http://127.0.0.1:9/moved.xml',
    });
    expect(changed.status).toBe(303);
    const source = await harness.ingest.request.get(`/v1/sources/${id}`).set('Authorization', apiAdmin);
    expect(source.body.url).toBe('http://127.0.0.1:9/moved.xml');
  });

  test('API keys: a created key is shown once and works; a revoked key is refused', async () => {
    const created = await form(admin, '/console/distribution/api-keys', { name: 'Campus site', scope: 'posts:write' });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const key = /id="new-key" type="text" readonly value="([^"]+)"/.exec(created.text)?.[1];
    expect(key).toBeDefined();
    expect((await harness.ingest.request.get('/v1/posts').set('Authorization', `Bearer ${key}`)).status).toBe(200);
    expect((await admin.agent.get('/console/distribution/api-keys')).text).not.toContain(key!);

    const row = await database.db.kysely
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'Campus site')
      .executeTakeFirstOrThrow();
    expect((await admin.agent.get(`/console/distribution/api-keys/${row.id}/revoke`)).text).toContain('class="danger"');
    expect((await form(admin, `/console/distribution/api-keys/${row.id}/revoke`, {})).status).toBe(303);
    expect((await harness.ingest.request.get('/v1/posts').set('Authorization', `Bearer ${key}`)).status).toBe(401);
    expect((await form(admin, '/console/distribution/api-keys', { name: '', scope: 'root' })).status).toBe(400);
    expect(await audit('api_key.created')).toHaveLength(1);
    expect(await audit('api_key.revoked')).toHaveLength(1);
  });
});
