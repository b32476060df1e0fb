import fs from 'node:fs';
import { pino } from 'pino';
import path from 'node:path';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, PNG_1X1, type SignedIn, createConsoleHarness } from '../helpers/console';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';

describe.each(DIALECTS)('console posts (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let editor: SignedIn;
  let feed: FeedInstance;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db, process.env.DEBUG_CONSOLE ? { logger: pino() } : {});
    editor = await harness.signIn({ role: 'editor' });
    feed = await startFeedInstance(database.db, harness.ingest.redisPrefix, {
      mediaDir: path.join(harness.dataDir, 'media'),
    });
  });
  afterAll(async () => {
    await feed?.close();
    await harness?.close();
    await database?.drop();
  });

  const send = (
    url: string,
    fields: Record<string, string | string[]>,
    file?: { name: string; bytes: Buffer; type: string },
  ) => {
    let request = editor.agent.post(`${url}?csrf_token=${encodeURIComponent(editor.csrf)}`);
    for (const [name, value] of Object.entries(fields)) {
      for (const v of ([] as string[]).concat(value)) request = request.field(name, v);
    }
    if (file) request = request.attach('image_file', file.bytes, { filename: file.name, contentType: file.type });
    return request;
  };

  test('when an editor writes a post with a topic, an image and hostile HTML, then it is stored sanitized as by the API and the image is served with long caching', async () => {
    const response = await send(
      '/console/posts',
      {
        title: 'Internship fair <b>2027</b>',
        html: '<p>Come meet employers.</p><script>alert(1)</script><img src=x onerror=alert(2)>',
        tags: ['Internships', '', 'Career fair'],
        author: '__self__',
        intent: 'save',
      },
      { name: 'fair.png', bytes: PNG_1X1, type: 'image/png' },
    );
    expect(response.status).toBe(303);
    const id = /\/console\/posts\/([0-9a-f-]{36})$/.exec(response.headers.location as string)![1]!;
    const row = await database.db.kysely.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.title).toBe('Internship fair 2027');
    expect(row.status).toBe('draft');
    expect(row.html).toContain('<p>Come meet employers.</p>');
    expect(row.html).not.toContain('script');
    expect(row.html).not.toContain('onerror');
    expect(row.image).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/media/[0-9a-f]{32}\\.png$`));
    const tags = await database.db.kysely
      .selectFrom('post_tags')
      .select('tag_slug')
      .where('post_id', '=', id)
      .orderBy('position')
      .execute();
    expect(tags.map((t) => t.tag_slug)).toEqual(['internships', 'career-fair']);

    const media = await feed.request.get(new URL(row.image!).pathname);
    expect(media.status).toBe(200);
    expect(media.headers['content-type']).toBe('image/png');
    expect(media.headers['cache-control']).toContain('immutable');
    expect(media.headers.etag).toBeDefined();
    expect(Buffer.compare(media.body as Buffer, PNG_1X1)).toBe(0);
    const again = await feed.request
      .get(new URL(row.image!).pathname)
      .set('If-None-Match', media.headers.etag as string);
    expect(again.status).toBe(304);

    const audit = await database.db.kysely
      .selectFrom('staff_audit_log')
      .select(['action', 'actor_email'])
      .where('target', '=', `post:${id}`)
      .execute();
    expect(audit).toEqual([{ action: 'post.created', actor_email: editor.email }]);
  });

  test.each([
    [
      'a text file',
      { name: 'notes.png', bytes: Buffer.from('just text, named like an image'), type: 'image/png' },
      422,
      'not a PNG, JPEG, WebP or GIF',
    ],
    [
      'an SVG with a script',
      {
        name: 'logo.svg',
        bytes: Buffer.from(
          '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        type: 'image/svg+xml',
      },
      422,
      'SVG images are not accepted',
    ],
    [
      'an 11 MB image',
      { name: 'huge.png', bytes: Buffer.concat([PNG_1X1, Buffer.alloc(11 * 1024 * 1024)]), type: 'image/png' },
      413,
      'larger than 10 MB',
    ],
  ])(
    'when the upload is %s, then the form comes back with a message and nothing is stored',
    async (_what, file, status, message) => {
      const before = await database.db.kysely.selectFrom('posts').select('id').execute();
      const response = await send(
        '/console/posts',
        { title: `Bad upload ${status}`, html: '<p>x</p>', author: '__self__', intent: 'save' },
        file,
      );
      expect(response.status).toBe(status);
      expect(response.type).toBe('text/html');
      expect(response.text).toContain(message);
      expect(response.text).toContain(`value="Bad upload ${status}"`); // the form keeps what was typed
      expect(await database.db.kysely.selectFrom('posts').select('id').execute()).toHaveLength(before.length);
      const mediaDir = path.join(harness.dataDir, 'media');
      const files = fs.existsSync(mediaDir) ? fs.readdirSync(mediaDir) : [];
      expect(files.every((f) => f.endsWith('.png') && !f.includes('tmp'))).toBe(true);
      expect(files.length).toBeLessThanOrEqual(1);
    },
  );

  test('when a post is scheduled in a time zone, then it is stored with that offset, listed as scheduled and previewed as readers will get it', async () => {
    const created = await send('/console/posts', {
      title: 'Resume clinic',
      html: '<p>Bring your resume.</p>',
      tags: ['Resumes'],
      author: '__self__',
      publish_at: '2031-03-04T09:30',
      time_zone: 'America/Santiago',
      intent: 'schedule',
    });
    expect(created.status).toBe(303);
    const id = /([0-9a-f-]{36})$/.exec(created.headers.location as string)![1]!;
    const row = await database.db.kysely.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('published');
    expect(row.published_at).toBe('2031-03-04T09:30:00-03:00');

    const list = await editor.agent.get('/console/posts?state=scheduled');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Resume clinic');
    expect(list.text).not.toContain('Internship fair');
    const search = await editor.agent.get('/console/posts?q=clinic');
    expect(search.text).toContain('Resume clinic');

    const preview = await editor.agent.get(`/console/posts/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('&lt;item&gt;');
    expect(preview.text).toContain('Resume clinic');
    for (const network of ['x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'threads'])
      expect(preview.text).toContain(`<h3>${network}</h3>`);
    const page = await editor.agent.get(`/console/posts/${id}/preview/page`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Resume clinic</h1>');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    const digest = await editor.agent.get(`/console/posts/${id}/preview/digest`);
    expect(digest.status).toBe(200);
    expect(digest.text).toContain('Resume clinic');
  });

  test('when a schedule time has passed, then the form refuses it and keeps the post as it was', async () => {
    const response = await send('/console/posts', {
      title: 'Too late',
      html: '<p>x</p>',
      author: '__self__',
      publish_at: '2001-01-01T00:00',
      time_zone: 'UTC',
      intent: 'schedule',
    });
    expect(response.status).toBe(422);
    expect(response.text).toContain('that time has passed');
  });

  test('when a published post is unpublished after confirmation, then it is a draft again', async () => {
    const created = await send('/console/posts', {
      title: 'Networking night',
      html: '<p>Meet alumni.</p>',
      author: '__self__',
      intent: 'publish',
    });
    const id = /([0-9a-f-]{36})$/.exec(created.headers.location as string)![1]!;
    expect(
      (await database.db.kysely.selectFrom('posts').select('status').where('id', '=', id).executeTakeFirstOrThrow())
        .status,
    ).toBe('published');
    const confirm = await editor.agent.get(`/console/posts/${id}/unpublish`);
    expect(confirm.text).toContain('Unpublish “Networking night”?');
    const done = await editor.agent
      .post(`/console/posts/${id}/unpublish`)
      .type('form')
      .send({ csrf_token: editor.csrf });
    expect(done.status).toBe(303);
    expect(
      (await database.db.kysely.selectFrom('posts').select('status').where('id', '=', id).executeTakeFirstOrThrow())
        .status,
    ).toBe('draft');
  });

  test('when the multipart form has no CSRF token, then the 403 page answers and nothing is stored', async () => {
    const response = await editor.agent
      .post('/console/posts')
      .field('title', 'Forged')
      .field('html', '<p>x</p>')
      .field('intent', 'publish');
    expect(response.status).toBe(403);
    expect(await database.db.kysely.selectFrom('posts').select('id').where('title', '=', 'Forged').execute()).toEqual(
      [],
    );
  });
});
