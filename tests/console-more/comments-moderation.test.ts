import { sanitizeCommentBody } from '@careerfeed/comments';
import { type CommentStatus, uuidv7 } from '@careerfeed/db';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, type SignedIn, createConsoleHarness } from '../helpers/console';
import { buildPost } from '../helpers/factories';

/** Comment moderation in the console over HTTP, on both databases. */
describe.each(DIALECTS)('console comment moderation (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let editor: SignedIn;
  let postId: string;
  let postTitle: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db);
    editor = await harness.signIn({ role: 'editor' });
    const auth = await harness.ingest.bearer('posts:write');
    const created = await harness.ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ title: 'Interview <prep> & you' }))
      .expect(201);
    postId = created.body.id as string;
    postTitle = created.body.title as string;
  });
  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  let seq = 0;
  /** A comment as the comments package stores it (its sanitizer applied to what the reader typed). */
  async function comment(
    status: CommentStatus,
    typed = 'A question about the fair',
    name = 'Sam Rivera',
  ): Promise<string> {
    const id = uuidv7();
    const at = new Date(Date.now() + seq++).toISOString();
    await database.db.kysely
      .insertInto('comments')
      .values({
        id,
        post_id: postId,
        parent_id: null,
        depth: 0,
        author_name: name,
        author_email: `reader${seq}@example.edu`,
        author_email_key: `reader${seq}@example.edu`,
        author_url: 'https://sam.example.edu/',
        body_html: sanitizeCommentBody(typed).html,
        status,
        spam_reason: status === 'spam' ? 'links' : null,
        reply_notifications: 'none',
        created_at: at,
        updated_at: at,
        approved_at: status === 'approved' ? at : null,
      })
      .execute();
    return id;
  }
  const statusOf = async (id: string) =>
    (await database.db.kysely.selectFrom('comments').select('status').where('id', '=', id).executeTakeFirst())?.status;
  const audit = (action: string) =>
    database.db.kysely.selectFrom('staff_audit_log').selectAll().where('action', '=', action).execute();
  const form = (path: string, body: Record<string, string | string[]>, csrf = true) =>
    editor.agent
      .post(path)
      .type('form')
      .send(csrf ? { ...body, csrf_token: editor.csrf } : body);

  test('when nothing is pending, then the page says so and the dashboard shows none pending', async () => {
    const page = await editor.agent.get('/console/comments');
    expect(page.status).toBe(200);
    expect(page.text).toContain('class="empty"');
    expect(page.text).toContain('No comment is waiting for moderation');
    expect(page.text).not.toContain('Approve selected');
    const dashboard = await editor.agent.get('/console/');
    expect(dashboard.text).toContain('Comments to moderate');
    expect(dashboard.text).toContain('none pending');
  });

  test('when a comment is pending, then it is listed first with post, author, email, site and its body inert; the tabs count by status', async () => {
    const hostile = await comment(
      'pending',
      'Nice <script>alert(1)</script> <b>post</b> <img src=x onerror=alert(2)>',
      'Eve <i>',
    );
    await comment('spam');
    const page = await editor.agent.get('/console/comments');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Pending <span class="badge warn">1<\/span>/);
    expect(page.text).toMatch(/Spam <span class="badge">1<\/span>/);
    expect(page.text).toContain(`value="${hostile}"`);
    expect(page.text).toContain(`>${postTitle.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</a>`);
    expect(page.text).toContain('Eve &lt;i&gt;');
    expect(page.text).toContain('reader');
    expect(page.text).toContain('href="https://sam.example.edu/"');
    // Allowed markup is kept, the rest is text.
    expect(page.text).toContain('<b>post</b>');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&lt;script&gt;');
    expect(page.text).not.toMatch(/<img[^>]*onerror/);
    const dashboard = await editor.agent.get('/console/');
    expect(dashboard.text).toContain('href="/console/comments?status=pending"');
    expect(dashboard.text).toContain('Moderate the 1 pending comment');
    await database.db.kysely.deleteFrom('comments').execute();
  });

  test('approve, hold, spam and trash change the status, write the audit log and say so', async () => {
    const id = await comment('pending');
    const steps: [CommentStatus, string][] = [
      ['approved', 'comment.approved'],
      ['spam', 'comment.marked_spam'],
      ['trash', 'comment.trashed'],
      ['pending', 'comment.held'],
    ];
    for (const [status, action] of steps) {
      const res = await form(`/console/comments/${id}/status`, { status, back: 'pending' });
      expect([status, res.status, res.headers.location]).toEqual([status, 303, '/console/comments?status=pending']);
      expect(await statusOf(id)).toBe(status);
      const entries = await audit(action);
      expect(entries.map((e) => e.target)).toContain(`comment:${id}`);
    }
    // The notice is shown on the next page.
    const page = await editor.agent.get('/console/comments?status=pending');
    expect(page.text).toContain('is held for moderation');
  });

  test('an unknown status is a 400 and changes nothing; an unknown comment is a 404', async () => {
    const id = await comment('pending');
    expect((await form(`/console/comments/${id}/status`, { status: 'published' })).status).toBe(400);
    expect(await statusOf(id)).toBe('pending');
    expect((await form(`/console/comments/${uuidv7()}/status`, { status: 'approved' })).status).toBe(404);
    expect((await form('/console/comments/not-an-id/status', { status: 'approved' })).status).toBe(404);
  });

  test('when a POST carries no CSRF token, then it is a 403 and nothing changes', async () => {
    const id = await comment('pending');
    expect((await form(`/console/comments/${id}/status`, { status: 'approved' }, false)).status).toBe(403);
    expect((await form(`/console/comments/${id}/delete`, {}, false)).status).toBe(403);
    expect((await form('/console/comments/bulk-approve', { ids: [id] }, false)).status).toBe(403);
    expect(await statusOf(id)).toBe('pending');
  });

  test('delete asks first on a page, then deletes for good and writes the audit log', async () => {
    const id = await comment('spam');
    const confirm = await editor.agent.get(`/console/comments/${id}/delete?back=spam`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Delete this comment for good?');
    expect(confirm.text).toContain(`action="/console/comments/${id}/delete"`);
    expect(confirm.text).toContain('href="/console/comments?status=spam"');
    expect(await statusOf(id)).toBe('spam');
    const res = await form(`/console/comments/${id}/delete`, { back: 'spam' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/comments?status=spam');
    expect(await statusOf(id)).toBeUndefined();
    expect((await audit('comment.deleted')).map((e) => e.target)).toContain(`comment:${id}`);
    expect((await form(`/console/comments/${id}/delete`, {})).status).toBe(404);
  });

  test('approve selected approves every checked comment at once, and asks for a selection when none is checked', async () => {
    const a = await comment('pending');
    const b = await comment('spam');
    const c = await comment('pending');
    const res = await form('/console/comments/bulk-approve', { ids: [a, b], back: 'pending' });
    expect(res.status).toBe(303);
    expect([await statusOf(a), await statusOf(b), await statusOf(c)]).toEqual(['approved', 'approved', 'pending']);
    const entry = (await audit('comments.bulk_approved')).at(-1)!;
    expect(JSON.parse(String(entry.details))).toMatchObject({ count: 2 });
    expect((await editor.agent.get('/console/comments')).text).toContain('2 comments approved');

    expect((await form('/console/comments/bulk-approve', { back: 'pending' })).status).toBe(303);
    expect((await editor.agent.get('/console/comments')).text).toContain('Select at least one comment');
    expect((await form('/console/comments/bulk-approve', { ids: ['x'] })).status).toBe(400);
    expect(await statusOf(c)).toBe('pending');
  });
});
