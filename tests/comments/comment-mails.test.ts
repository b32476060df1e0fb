import type { Redis } from 'ioredis';
import type { ParsedMail } from 'mailparser';
import { type CommentMailQueue, createCommentMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { testRedisErrors } from '../helpers/redis-errors';
import { type RunningWorker, startWorker } from '../helpers/worker';
import { waitFor } from '../helpers/wait';
import { type SmtpSink, startSmtpSink } from '../digests/support';

const EDITOR = 'editor@careers.test.example';

/**
 * The mails of comments through a real SMTP server, read back with mailparser: the double opt-in
 * of "notify me of replies", the reply mail with RFC 8058 one-click unsubscribe, the editor's
 * new-comment notice, and silence after unsubscribing. The worker sends them from the queue.
 */
describe.each(DIALECTS)('comment mails on %s', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let worker: RunningWorker;
  let sink: SmtpSink;
  let redis: Redis;
  let mails: CommentMailQueue;
  let auth: string;
  let slug: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    sink = await startSmtpSink();
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    const prefix = `test-comment-mails-${dialect}-${Date.now()}`;
    mails = createCommentMailQueue(redis, prefix);
    ingest = createIngestHarness(database.db, undefined, { redisPrefix: prefix, commentMails: mails });
    feed = await startFeedInstance(database.db, ingest.redisPrefix, { commentMails: mails, notifyNewComments: true });
    worker = await startWorker(database, {
      redisPrefix: ingest.redisPrefix,
      smtpUrl: sink.url,
      env: { COMMENTS_NOTIFY_EMAIL: EDITOR },
    });
    auth = await ingest.bearer('posts:write');
    slug = (await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost()).expect(201)).body
      .slug as string;
  });
  afterAll(async () => {
    await worker?.close();
    await feed?.close();
    await mails?.close();
    redis?.disconnect();
    await ingest?.close();
    await sink?.close();
    await database?.drop();
  });

  const comment = (body: Record<string, unknown>) =>
    feed.request.post(`/posts/${slug}/comments`).set('Accept', 'application/json').send(body);

  async function mailsTo(address: string, count: number): Promise<ParsedMail[]> {
    const matching = async () =>
      (await sink.parsed()).filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);
    await waitFor(async () => (await matching()).length >= count, 15_000, `${count} mails to ${address}`);
    return matching();
  }

  /** A header as sent (mailparser restructures List-* headers). */
  function rawHeader(mail: ParsedMail, name: string): string | undefined {
    const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
    return line
      ?.slice(line.indexOf(':') + 1)
      .replace(/\r?\n\s+/g, ' ')
      .trim();
  }

  function linkIn(mail: ParsedMail, path: string): string {
    const match = new RegExp(`https://careers\\.test\\.example(${path}\\?token=[A-Za-z0-9._-]+)`).exec(mail.text ?? '');
    expect(match).not.toBeNull();
    return match![1]!;
  }

  test('notify-me-of-replies is confirmed by mail, replies are mailed with one-click unsubscribe, and unsubscribing stops them', async () => {
    const ana = `ana-${dialect}@example.edu`;
    const ben = `ben-${dialect}@example.edu`;
    // Ben has an approved comment already, so his replies publish at once.
    const first = await comment({ name: 'Ben', email: ben, body: 'Hello' });
    await ingest.request
      .patch(`/v1/comments/${first.body.id}`)
      .set('Authorization', auth)
      .send({ status: 'approved' })
      .expect(200);

    const asked = await comment({
      name: 'Ana',
      email: ana,
      body: 'Any tips for a virtual fair?',
      notify_replies: true,
    });
    expect(asked.status).toBe(202);
    const [confirmation] = await mailsTo(ana, 1);
    expect(confirmation!.subject).toContain('Confirm reply notifications');
    const editorMails = await mailsTo(EDITOR, 2);
    expect(editorMails.some((m) => m.subject?.includes('awaiting moderation') && m.text?.includes(ana))).toBe(true);

    // A reply before confirmation would not be mailed; confirm first, then approve Ana's comment.
    const confirmed = await feed.request
      .get(linkIn(confirmation!, '/comments/notifications/confirm'))
      .set('Accept', 'application/json');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ reply_notifications: 'confirmed' });
    await ingest.request
      .patch(`/v1/comments/${asked.body.id}`)
      .set('Authorization', auth)
      .send({ status: 'approved' })
      .expect(200);

    const reply = await comment({
      name: 'Ben',
      email: ben,
      body: 'Test your <b>camera</b> first.',
      parent_id: asked.body.id,
    });
    expect(reply.status).toBe(201);
    const received = await mailsTo(ana, 2);
    const replyMail = received.find((m) => m.subject?.includes('replied to your comment'))!;
    expect(replyMail).toBeDefined();
    expect(replyMail.text).toContain('Test your camera first.');
    expect(replyMail.text).toContain(`#comment-${reply.body.id}`);
    expect(rawHeader(replyMail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = rawHeader(replyMail, 'List-Unsubscribe') ?? '';
    const unsubscribePath = /<https:\/\/careers\.test\.example([^>]+)>/.exec(listUnsubscribe)![1]!;

    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the link.
    await feed.request
      .post(unsubscribePath)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .set('Accept', 'application/json')
      .expect(200, { reply_notifications: 'unsubscribed' });
    const stored = await database.db.kysely
      .selectFrom('comments')
      .select('reply_notifications')
      .where('id', '=', asked.body.id as string)
      .executeTakeFirstOrThrow();
    expect(stored.reply_notifications).toBe('unsubscribed');

    const editorBefore = (await mailsTo(EDITOR, 1)).length;
    const again = await comment({ name: 'Ben', email: ben, body: 'One more thing', parent_id: asked.body.id });
    expect(again.status).toBe(201);
    // The editor hears of it; Ana does not.
    await mailsTo(EDITOR, editorBefore + 1);
    expect((await mailsTo(ana, 2)).length).toBe(2);
  });

  test('a reply approved by staff is mailed once to the parent author who confirmed, however often it is approved', async () => {
    const cleo = `cleo-${dialect}@example.edu`;
    const asked = await comment({ name: 'Cleo', email: cleo, body: 'A question', notify_replies: true });
    const [confirmation] = await mailsTo(cleo, 1);
    await feed.request
      .get(linkIn(confirmation!, '/comments/notifications/confirm'))
      .set('Accept', 'application/json')
      .expect(200);
    await ingest.request
      .patch(`/v1/comments/${asked.body.id}`)
      .set('Authorization', auth)
      .send({ status: 'approved' })
      .expect(200);
    // A first-time commenter: held, then approved by staff (ingest asks for the reply mail).
    const reply = await comment({
      name: 'Dev',
      email: `dev-${dialect}@example.edu`,
      body: 'An answer',
      parent_id: asked.body.id,
    });
    expect(reply.status).toBe(202);
    for (const status of ['approved', 'pending', 'approved']) {
      await ingest.request
        .patch(`/v1/comments/${reply.body.id}`)
        .set('Authorization', auth)
        .send({ status })
        .expect(200);
    }
    const received = await mailsTo(cleo, 2);
    expect(received[1]!.subject).toContain('Dev replied to your comment');
    // Whatever happens next (a later job, a retry) would come in behind this one: another comment's mail.
    const editorCount = (await mailsTo(EDITOR, 1)).length;
    await comment({ name: 'Dev', email: `dev-${dialect}@example.edu`, body: 'Later' });
    await mailsTo(EDITOR, editorCount + 1);
    expect((await mailsTo(cleo, 2)).length).toBe(2);
  });

  test('a forged or mangled notification link is a 400 and changes nothing', async () => {
    const res = await feed.request
      .get(
        '/comments/notifications/confirm?token=0192f4a8-a000-7000-8000-00000000c001.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      )
      .set('Accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TOKEN_INVALID');
  });
});
