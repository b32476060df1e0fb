import path from 'node:path';
import { approvedCommentsOfPost, buildThreads, sanitizeCommentBody } from '@careerfeed/comments';
import type { CommentRow } from '@careerfeed/db';
import type { PostsDeps } from '@careerfeed/posts';
import { type WxrItem, importWordPressExport, mapWxrComments } from '@careerfeed/wordpress';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'wordpress', 'career-center.wxr');
const BASE = 'https://news.example.edu';
const SITE = 'https://careers.example.edu';

const EXPECTED_SKIPPED = {
  pingback: 1,
  trackback: 1,
  'not approved (pending moderation)': 1,
  'in the trash': 1,
};

describe.each(DIALECTS)('importing the comments of a WordPress export on %s', (dialect) => {
  let database: TestDatabase;
  let deps: PostsDeps;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    deps = { db: database.db, publicBaseUrl: BASE };
  });
  afterAll(async () => {
    await database.drop();
  });

  async function commentsByExternalId(): Promise<Map<string, CommentRow>> {
    const rows = await database.db.kysely.selectFrom('comments').selectAll().orderBy('id').execute();
    return new Map(rows.map((r) => [r.external_id ?? '', r]));
  }

  async function postIdOf(wordpressId: number): Promise<string> {
    const row = await database.db.kysely
      .selectFrom('posts')
      .select('id')
      .where('external_id', '=', `${SITE}/?p=${wordpressId}`)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  test('when an export is imported, then the approved comments of its posts are stored field by field, threaded, sanitized; the rest is counted by reason', async () => {
    const summary = await importWordPressExport(deps, FIXTURE);
    expect(summary.comments.imported).toBe(6);
    expect(summary.comments.unchanged).toBe(0);
    expect(summary.comments.failed).toEqual([]);
    expect(Object.fromEntries(summary.comments.skipped.map((s) => [s.reason, s.count]))).toEqual(EXPECTED_SKIPPED);

    const comments = await commentsByExternalId();
    // 3, 4, 7, 8 on post 101 and 11, 12 on post 77; nothing of the trashed post 60.
    expect([...comments.keys()].sort()).toEqual(
      [
        `${SITE}/?p=101#comment-3`,
        `${SITE}/?p=101#comment-4`,
        `${SITE}/?p=101#comment-7`,
        `${SITE}/?p=101#comment-8`,
        `${SITE}/?p=77#comment-11`,
        `${SITE}/?p=77#comment-12`,
      ].sort(),
    );
    const fair = await postIdOf(101);
    const jobHunt = await postIdOf(77);
    const c3 = comments.get(`${SITE}/?p=101#comment-3`)!;
    const c4 = comments.get(`${SITE}/?p=101#comment-4`)!;
    const c7 = comments.get(`${SITE}/?p=101#comment-7`)!;
    const c8 = comments.get(`${SITE}/?p=101#comment-8`)!;
    const c11 = comments.get(`${SITE}/?p=77#comment-11`)!;
    const c12 = comments.get(`${SITE}/?p=77#comment-12`)!;

    expect(c3).toMatchObject({
      post_id: fair,
      parent_id: null,
      depth: 0,
      author_name: 'Sam Student',
      author_email: 'sam@student.example.edu',
      author_email_key: 'sam@student.example.edu',
      author_url: null,
      body_html: 'Will there be employers from biotech?',
      status: 'approved',
      spam_reason: null,
      reply_notifications: 'none',
      created_at: '2026-09-14T16:01:00.000Z',
    });
    expect(c3.approved_at).not.toBeNull();
    // A threaded reply; its URL had "&" written as &#038; by WordPress; its link gets rel="nofollow ugc".
    expect(c4).toMatchObject({
      post_id: fair,
      parent_id: c3.id,
      depth: 1,
      author_name: 'Jane Doe',
      author_email: 'jdoe@careers.example.edu',
      author_url: 'https://careers.example.edu/staff/jane-doe/?ref=comments&lang=en',
      body_html:
        'Yes: three biotech employers are confirmed.<br>\nSee the <a href="https://careers.example.edu/employers/" rel="nofollow ugc">employer list</a>.',
      created_at: '2026-09-14T17:15:00.000Z',
      status: 'approved',
    });
    // An empty comment_type is a comment; its <script> is shown as inert text by the comments sanitizer.
    const raw7 = 'How do I embed <script>alert("fair")</script> in my portfolio? <b>Asking</b> for a friend.';
    expect(c7).toMatchObject({
      parent_id: null,
      depth: 0,
      author_name: 'Robin Résumé',
      created_at: '2026-09-16T14:30:00.000Z',
      body_html: sanitizeCommentBody(raw7).html,
    });
    expect(c7.body_html).not.toContain('<script');
    expect(c7.body_html).toContain('&lt;script&gt;');
    expect(c7.body_html).toContain('<b>Asking</b>');
    // The reply to a pending comment moves up to the post rather than being lost.
    expect(c8).toMatchObject({
      parent_id: null,
      depth: 0,
      author_url: 'http://lee.example.net/',
      body_html: 'Parking is free after 5 pm.',
    });
    // In the file the reply (12) comes before its parent (11): the parent is stored first.
    expect(c11).toMatchObject({
      post_id: jobHunt,
      parent_id: null,
      author_name: 'Kenji',
      created_at: '2026-07-20T11:00:00.000Z',
    });
    expect(c12).toMatchObject({ post_id: jobHunt, parent_id: c11.id, depth: 1, body_html: 'ありがとうございます！' });
    expect(c11.id < c12.id).toBe(true);

    // What readers are shown: the threads of the post page.
    const threads = buildThreads(
      await approvedCommentsOfPost(
        { db: database.db, publicBaseUrl: BASE, tokenKey: async () => Buffer.alloc(32) },
        fair,
      ),
    );
    expect(threads.map((t) => [t.comment.authorName, t.replies.map((r) => r.comment.authorName)])).toEqual([
      ['Sam Student', ['Jane Doe']],
      ['Robin Résumé', []],
      ['Lee Alum', []],
    ]);
  });

  test('when the same export is imported again, then no comment is duplicated or rewritten', async () => {
    const before = await database.db.kysely.selectFrom('comments').selectAll().orderBy('id').execute();
    const summary = await importWordPressExport(deps, FIXTURE);
    expect(summary.comments).toMatchObject({ imported: 0, unchanged: 6, failed: [] });
    expect(Object.fromEntries(summary.comments.skipped.map((s) => [s.reason, s.count]))).toEqual(EXPECTED_SKIPPED);
    const after = await database.db.kysely.selectFrom('comments').selectAll().orderBy('id').execute();
    expect(after).toEqual(before);
  });
});

describe('mapping the comments of a WXR item', () => {
  const item = (comments: Partial<WxrItem['comments'][number]>[]): WxrItem =>
    ({
      postId: '5',
      comments: comments.map((c, i) => ({
        id: String(i + 1),
        author: 'A',
        authorEmail: 'a@example.edu',
        authorUrl: '',
        date: '',
        dateGmt: '2026-01-01 10:00:00',
        content: 'x',
        approved: '1',
        type: 'comment',
        parent: '0',
        oversized: false,
        ...c,
      })),
    }) as WxrItem;

  test('a reply moves up past every ancestor that is not imported, and a loop of parents is skipped, not imported', () => {
    const mapped = mapWxrComments(
      item([
        { id: '1' },
        { id: '2', parent: '1', approved: '0' },
        { id: '3', parent: '2', approved: 'spam' },
        { id: '4', parent: '3' },
        { id: '5', parent: '6' },
        { id: '6', parent: '5' },
        { id: '7', dateGmt: 'yesterday' },
      ]),
      'https://wp.example.edu/',
    );
    expect(mapped.comments.map((c) => [c.wordpressId, c.parentExternalId])).toEqual([
      ['1', null],
      ['4', 'https://wp.example.edu/?p=5#comment-1'],
    ]);
    expect(mapped.skipped.sort()).toEqual(
      [
        'not approved (pending moderation)',
        'spam',
        'malformed comment date',
        'replies in a loop (wp:comment_parent)',
        'replies in a loop (wp:comment_parent)',
      ].sort(),
    );
  });
});
