import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { feedparser, xmllint, xpathString } from '../feeds/feed-consumers';
import { importApprovedComment } from '@careerfeed/comments';

/**
 * Comments end to end over HTTP on both databases: a reader comments (JSON and the HTML form),
 * staff moderate through the ingest API, the post page and the feeds show what is approved, and
 * hostile input is escaped or refused with nothing stored.
 */

const GENEROUS_LIMITS = {
  perClient: { points: 1000, durationSeconds: 600 },
  perAddress: { points: 1000, durationSeconds: 600 },
};

describe.each(DIALECTS)('comments on %s', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let auth: string;
  let slug: string;
  let otherSlug: string;
  let clock = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-comments-'));

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    feed = await startFeedInstance(database.db, ingest.redisPrefix, {
      now: () => new Date(clock),
      commentLimits: GENEROUS_LIMITS,
    });
    auth = await ingest.bearer('posts:write');
    const post = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost()).expect(201);
    slug = post.body.slug as string;
    const other = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost()).expect(201);
    otherSlug = other.body.slug as string;
  });
  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const commentCount = async () =>
    Number(
      (
        await database.db.kysely
          .selectFrom('comments')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const postJson = (body: Record<string, unknown>, to = slug) =>
    feed.request.post(`/posts/${to}/comments`).set('Accept', 'application/json').send(body);

  const approve = (id: string) =>
    ingest.request.patch(`/v1/comments/${id}`).set('Authorization', auth).send({ status: 'approved' });

  async function formToken(to = slug): Promise<string> {
    const page = await feed.request.get(`/posts/${to}`).set('Accept', 'text/html').expect(200);
    const match = /name="form_token" value="([^"]+)"/.exec(page.text);
    expect(match).not.toBeNull();
    return match![1]!;
  }

  async function approvedComment(email: string, body = 'A first comment'): Promise<string> {
    const res = await postJson({ name: 'Ana', email, body });
    expect([201, 202]).toContain(res.status);
    if (res.status === 202) await approve(res.body.id as string).expect(200);
    return res.body.id as string;
  }

  test('a first comment is held (202), invisible, listed as pending; approved, it shows on the page', async () => {
    const res = await postJson({
      name: 'Sam Rivera',
      email: `sam-${dialect}@example.edu`,
      body: 'Is a printed CV expected?',
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', post: slug, parent_id: null, author_name: 'Sam Rivera' });
    expect(res.body).not.toHaveProperty('email');

    const before = await feed.request.get(`/posts/${slug}`).set('Accept', 'text/html').expect(200);
    expect(before.text).not.toContain('Is a printed CV expected?');

    const pending = await ingest.request.get('/v1/comments?status=pending').set('Authorization', auth).expect(200);
    expect(pending.body.items.map((c: { id: string }) => c.id)).toContain(res.body.id);
    expect(pending.body.counts.pending).toBeGreaterThanOrEqual(1);

    const approved = await approve(res.body.id as string).expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', author_email: `sam-${dialect}@example.edu` });
    expect(approved.body.approved_at).not.toBeNull();

    const after = await feed.request.get(`/posts/${slug}`).set('Accept', 'text/html').expect(200);
    expect(after.text).toContain('Is a printed CV expected?');
    expect(after.text).toContain(`id="comment-${res.body.id}"`);
    expect(after.text).toMatch(/<h2 id="comments-heading">\d+ comments?<\/h2>/);
    // The address is never shown publicly.
    expect(after.text).not.toContain(`sam-${dialect}@example.edu`);
  });

  test('an address with an approved comment is published at once (201)', async () => {
    const email = `returning-${dialect}@example.edu`;
    await approvedComment(email);
    const res = await postJson({ name: 'Ana', email: email.toUpperCase(), body: 'Back again' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('approved');
    expect(res.headers.location).toContain(`#comment-${res.body.id}`);
  });

  test('hostile markup is shown as text: scripts, event handlers, javascript: links; allowed tags keep working', async () => {
    const email = `hostile-${dialect}@example.edu`;
    await approvedComment(email);
    const body =
      '<script>alert(1)</script><img src=x onerror=alert(2)><b onclick="alert(3)">bold</b> ' +
      '<a href="javascript:alert(4)">js</a> <a href="https://example.edu/x" onmouseover="alert(5)">ok</a> <div>d</div>';
    const res = await postJson({ name: '<i>Eve</i>', email, body });
    expect(res.status).toBe(201);
    const html = res.body.body_html as string;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('<a href="https://example.edu/x" rel="nofollow ugc">ok</a>');
    expect(html).toContain('&lt;div&gt;d&lt;/div&gt;');
    expect(html).not.toMatch(/<script|<img|onerror|onclick|onmouseover|javascript:/i);
    const page = await feed.request.get(`/posts/${slug}`).set('Accept', 'text/html').expect(200);
    // The name is plain text.
    expect(page.text).toContain('&lt;i&gt;Eve&lt;/i&gt;');
    expect(page.text).not.toContain('<script>alert(1)');
  });

  test('refusals are precise 4xx problems and store nothing', async () => {
    const before = await commentCount();
    const email = `bad-${dialect}@example.edu`;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ email, body: 'no name' }, 400, 'name'],
      [{ name: 'A', body: 'no email' }, 400, 'email'],
      [{ name: 'A', email }, 400, 'body'],
      [{ name: 'A\r\nBcc: victim@example.edu', email, body: 'x' }, 400, 'name'],
      [{ name: 'A', email: `${email}\r\nBcc: victim@example.edu`, body: 'x' }, 400, 'email'],
      [{ name: 'A', email, body: 'x', url: 'javascript:alert(1)' }, 400, 'url'],
      // 500 links in fewer characters than the length limit: refused for the links.
      [{ name: 'A', email, body: 'https://s.io '.repeat(500) }, 422, 'body'],
      [{ name: 'A', email, body: 'x', parent_id: 'not-a-uuid' }, 400, 'parent_id'],
      [{ name: 'A', email, body: 'x', extra: 1 }, 400, 'extra'],
    ];
    for (const [body, status, field] of cases) {
      const res = await postJson(body);
      expect({ field, status: res.status }).toEqual({ field, status });
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const huge = await postJson({ name: 'A', email, body: 'x'.repeat(100 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toMatch(/exceeds the limit/);
    const unknown = await postJson({ name: 'A', email, body: 'x' }, 'no-such-post');
    expect(unknown.status).toBe(404);
    expect(await commentCount()).toBe(before);
  });

  test('a reply to a comment on another post, or to an unapproved one, is a 422; a reply to an approved one threads', async () => {
    const email = `replier-${dialect}@example.edu`;
    const parent = await approvedComment(email, 'The parent');
    const onOther = await approvedComment(`other-${dialect}@example.edu`);
    await ingest.request.patch(`/v1/comments/${onOther}`).set('Authorization', auth).send({ status: 'approved' });
    // onOther is on `slug`; reply to it from the other post.
    const before = await commentCount();
    const wrongPost = await postJson({ name: 'A', email, body: 'x', parent_id: parent }, otherSlug);
    expect(wrongPost.status).toBe(422);
    expect(wrongPost.body.errors[0].path).toBe('parent_id');
    const held = await postJson({ name: 'New', email: `new-${dialect}@example.edu`, body: 'held' });
    expect(held.status).toBe(202);
    const toHeld = await postJson({ name: 'A', email, body: 'x', parent_id: held.body.id });
    expect(toHeld.status).toBe(422);
    expect(await commentCount()).toBe(before + 1);

    const reply = await postJson({ name: 'A', email, body: 'The reply', parent_id: parent });
    expect(reply.status).toBe(201);
    const page = await feed.request.get(`/posts/${slug}`).set('Accept', 'text/html').expect(200);
    const parentAt = page.text.indexOf(`id="comment-${parent}"`);
    const replyAt = page.text.indexOf(`id="comment-${reply.body.id}"`);
    expect(parentAt).toBeGreaterThan(-1);
    expect(replyAt).toBeGreaterThan(parentAt);
    expect(page.text.slice(parentAt, replyAt)).toContain('<ol class="comment-replies">');
  });

  test('the HTML form: sent after a few seconds it redirects back with a notice; a refused form shows the post again with its errors', async () => {
    const token = await formToken();
    clock += 10_000;
    const res = await feed.request
      .post(`/posts/${slug}/comments`)
      .type('form')
      .set('Accept', 'text/html')
      .send({ name: 'Form User', email: `form-${dialect}@example.edu`, body: 'Sent by the form', form_token: token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/posts/${slug}?comment=held#comment-notice`);
    const notice = await feed.request
      .get(res.headers.location as string)
      .set('Accept', 'text/html')
      .expect(200);
    expect(notice.text).toContain('awaiting moderation');

    const before = await commentCount();
    const refused = await feed.request
      .post(`/posts/${slug}/comments`)
      .type('form')
      .set('Accept', 'text/html')
      .send({ name: '', email: 'not-an-address', body: 'Kept <b>as typed</b>', form_token: token });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toContain('text/html');
    expect(refused.text).toContain('role="alert"');
    expect(refused.text).toContain('email: is not a valid email address');
    expect(refused.text).toContain('Kept &lt;b&gt;as typed&lt;/b&gt;</textarea>');
    const noToken = await feed.request
      .post(`/posts/${slug}/comments`)
      .type('form')
      .set('Accept', 'text/html')
      .send({ name: 'A', email: `form-${dialect}@example.edu`, body: 'x' });
    expect(noToken.status).toBe(400);
    expect(noToken.text).toContain('reload the page');
    expect(await commentCount()).toBe(before);
  });

  test('spam signals: a filled honeypot, a form sent too fast, or many links are filed as spam (202, never published)', async () => {
    const email = `spammy-${dialect}@example.edu`;
    await approvedComment(email);
    const honeypot = await postJson({ name: 'Bot', email, body: 'buy', website_confirm: 'http://spam.example' });
    const token = await formToken();
    const fast = await feed.request
      .post(`/posts/${slug}/comments`)
      .type('form')
      .set('Accept', 'application/json')
      .send({ name: 'Bot', email, body: 'fast', form_token: token });
    const links = await postJson({ name: 'Bot', email, body: 'https://a.example https://b.example https://c.example' });
    for (const [res, reason] of [
      [honeypot, 'honeypot'],
      [fast, 'too-fast'],
      [links, 'links'],
    ] as const) {
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('pending');
      const stored = await ingest.request.get(`/v1/comments/${res.body.id}`).set('Authorization', auth).expect(200);
      expect(stored.body).toMatchObject({ status: 'spam', spam_reason: reason });
    }
  });

  test('the per-post and site comment feeds are RSS 2.0 that xmllint and feedparser read; post feeds carry slash:comments', async () => {
    const id = await approvedComment(`feed-${dialect}@example.edu`, 'In the <em>feed</em>');
    const perPost = await feed.request.get(`/posts/${slug}/comments/feed.xml`).expect(200);
    expect(perPost.headers['content-type']).toContain('application/rss+xml');
    const site = await feed.request.get('/comments/feed.xml').expect(200);
    const feeds: [string, string][] = [
      ['post.xml', perPost.text],
      ['site.xml', site.text],
    ];
    for (const [name, xml] of feeds) {
      const file = path.join(tmp, `${dialect}-${name}`);
      fs.writeFileSync(file, xml);
      expect(xmllint(file)).toEqual({ status: 0, stderr: '' });
      const parsed = feedparser(file);
      expect(parsed.bozo).toBe(false);
      expect(parsed.version).toBe('rss20');
      expect(parsed.entries.map((e) => e.id)).toContain(`urn:uuid:${id}`);
    }
    // A held comment is in no feed.
    expect(perPost.text).not.toContain('held');
    await feed.request.get('/posts/no-such-post/comments/feed.xml').expect(404);

    const rss = await feed.request.get('/feed.xml').expect(200);
    const file = path.join(tmp, `${dialect}-feed.xml`);
    fs.writeFileSync(file, rss.text);
    const count = await database.db.kysely
      .selectFrom('comments')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('posts.slug', '=', slug)
      .where('comments.status', '=', 'approved')
      .executeTakeFirstOrThrow();
    const item = `//item[link="https://careers.test.example/posts/${slug}"]`;
    expect(
      xpathString(
        file,
        `${item}/*[local-name()="comments" and namespace-uri()="http://purl.org/rss/1.0/modules/slash/"]`,
      ),
    ).toBe(String(Number(count.n)));
    expect(xpathString(file, `${item}/*[local-name()="commentRss"]`)).toBe(
      `https://careers.test.example/posts/${slug}/comments/feed.xml`,
    );
  });

  test('approving a comment drops the cached feeds that count it (well before their one-minute TTL)', async () => {
    const countIn = (xml: string) => {
      const item = xml.split('<item>').find((part) => part.includes(`/posts/${slug}</link>`)) ?? '';
      return Number(/<slash:comments>(\d+)<\/slash:comments>/.exec(item)?.[1]);
    };
    const first = countIn((await feed.request.get('/feed.xml').expect(200)).text);
    // Now cached: the same bytes again.
    expect(countIn((await feed.request.get('/feed.xml').expect(200)).text)).toBe(first);
    const held = await postJson({ name: 'Cache', email: `cache-${dialect}@example.edu`, body: 'cached?' });
    expect(held.status).toBe(202);
    expect(countIn((await feed.request.get('/feed.xml').expect(200)).text)).toBe(first);
    await approve(held.body.id as string).expect(200);
    await waitFor(async () => countIn((await feed.request.get('/feed.xml')).text) === first + 1, 5000);
  });

  test('rate limits: past the per-client limit a comment is a 429 with Retry-After, a form gets a page; nothing is stored', async () => {
    const tight = await startFeedInstance(database.db, `${ingest.redisPrefix}-tight`, {
      commentLimits: {
        perClient: { points: 2, durationSeconds: 600 },
        perAddress: { points: 100, durationSeconds: 600 },
      },
    });
    try {
      const send = () =>
        tight.request
          .post(`/posts/${slug}/comments`)
          .set('Accept', 'application/json')
          .send({ name: 'Fast', email: `fast-${dialect}@example.edu`, body: 'again' });
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(202);
      const before = await commentCount();
      const limited = await send();
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const page = await tight.request
        .post(`/posts/${slug}/comments`)
        .type('form')
        .set('Accept', 'text/html')
        .send({ name: 'Fast', email: `fast-${dialect}@example.edu`, body: 'again' });
      expect(page.status).toBe(429);
      expect(page.text).toContain('Too many comments');
      expect(await commentCount()).toBe(before);
    } finally {
      await tight.close();
    }
  });

  test('an importer stores approved comments through the service: sanitized, threaded, shown with their original dates', async () => {
    const post = await database.db.kysely
      .selectFrom('posts')
      .select('id')
      .where('slug', '=', otherSlug)
      .executeTakeFirstOrThrow();
    const deps = {
      db: database.db,
      publicBaseUrl: 'https://careers.test.example',
      tokenKey: async () => Buffer.alloc(32),
    };
    const parent = await importApprovedComment(deps, {
      postId: post.id,
      parentId: null,
      name: 'Old Reader',
      email: `old-${dialect}@example.edu`,
      url: 'example.edu',
      body: 'From WordPress <script>x</script>',
      createdAt: '2019-03-01T10:00:00.000Z',
    });
    const reply = await importApprovedComment(deps, {
      postId: post.id,
      parentId: parent,
      name: 'Old Author',
      email: `author-${dialect}@example.edu`,
      url: null,
      body: 'Thanks',
      createdAt: '2019-03-02T10:00:00.000Z',
    });
    await expect(
      importApprovedComment(deps, {
        postId: post.id,
        parentId: 'not-a-uuid',
        name: 'A',
        email: 'a@example.edu',
        url: null,
        body: 'x',
        createdAt: '2019-03-02T10:00:00.000Z',
      }),
    ).rejects.toMatchObject({ status: 400 });
    const page = await feed.request.get(`/posts/${otherSlug}`).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('From WordPress &lt;script&gt;x&lt;/script&gt;');
    expect(page.text).toContain(`id="comment-${reply}"`);
    expect(page.text).toContain('datetime="2019-03-01T10:00:00.000Z"');
  });

  test('staff moderation: unknown ids are 404, a bad status 400, a key is required; delete moves replies up', async () => {
    await ingest.request.get('/v1/comments').expect(401);
    await ingest.request.get('/v1/comments?status=nope').set('Authorization', auth).expect(400);
    await ingest.request
      .patch('/v1/comments/0192f4a8-a000-7000-8000-00000000c001')
      .set('Authorization', auth)
      .send({ status: 'approved' })
      .expect(404);
    await ingest.request.patch('/v1/comments/x').set('Authorization', auth).send({ status: 'spam' }).expect(404);
    const email = `tree-${dialect}@example.edu`;
    const parent = await approvedComment(email, 'parent');
    const reply = await postJson({ name: 'A', email, body: 'child', parent_id: parent });
    const grandchild = await postJson({ name: 'A', email, body: 'grandchild', parent_id: reply.body.id });
    expect(grandchild.status).toBe(201);
    const bad = await ingest.request
      .patch(`/v1/comments/${parent}`)
      .set('Authorization', auth)
      .send({ status: 'gone' });
    expect(bad.status).toBe(400);
    await ingest.request.delete(`/v1/comments/${reply.body.id}`).set('Authorization', auth).expect(204);
    await ingest.request.delete(`/v1/comments/${reply.body.id}`).set('Authorization', auth).expect(404);
    const moved = await ingest.request.get(`/v1/comments/${grandchild.body.id}`).set('Authorization', auth).expect(200);
    expect(moved.body).toMatchObject({ parent_id: parent, depth: 1 });
    const list = await ingest.request
      .get('/v1/comments?status=approved&limit=2')
      .set('Authorization', auth)
      .expect(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.next_cursor).not.toBeNull();
  });
});
