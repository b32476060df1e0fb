import { digestJobOptions } from '@careerfeed/digests';
import { digestMessageId, mailDomainOf } from '@careerfeed/core';
import { uuidv7 } from '@careerfeed/db';
import { DIGEST_JOB, DIGEST_PAGE_JOB, type DigestJob, digestJobId } from '@careerfeed/jobs';
import { type PostsDeps } from '@careerfeed/posts';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { type Engine, MAIL_FROM, startEngine } from './engine';
import {
  type QueuedDigest,
  type SmtpSink,
  insertDueDailySubscriber,
  publishPost,
  queuedDigests,
  startSmtpSink,
} from './support';

/**
 * A digest job carries a page of subscribers; each subscriber's digest is still claimed, sent at
 * most once and recorded on its own (createDigestSender), against a real SMTP server.
 */
describe.each(DIALECTS)('digest pages (%s)', (dialect) => {
  let database: TestDatabase;
  let sink: SmtpSink | undefined;
  let engine: Engine | undefined;
  const clock = new Date('2026-11-25T08:00:30Z');
  const now = () => clock;
  let posts: PostsDeps;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    posts = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
    await publishPost(posts, '2026-11-24T12:00:00Z');
  });
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
    engine = undefined;
    sink = undefined;
    await database.drop();
  });

  const dueDaily = (email: string) => insertDueDailySubscriber(database.db, { email });
  const deliveries = () =>
    database.db.kysely
      .selectFrom('digest_deliveries')
      .innerJoin('subscribers', 'subscribers.id', 'digest_deliveries.subscriber_id')
      .select(['subscribers.email', 'digest_deliveries.status', 'digest_deliveries.attempts'])
      .orderBy('subscribers.email')
      .execute();
  const recipients = () => sink!.received.map((m) => m.to[0]!).sort();
  const emails = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(2, '0')}@example.edu`);

  test('when one subscriber of a page is refused with 451 once, then the retried job sends only that one, and every other digest once', async () => {
    let refusals = 0;
    sink = await startSmtpSink({
      rejectRecipient: (address) => (address === 'flaky@example.edu' && refusals++ === 0 ? 451 : undefined),
    });
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    const steady = emails(12, 'steady');
    for (const email of [...steady, 'flaky@example.edu']) await dueDaily(email);

    expect(await engine.tick()).toEqual({ enqueued: 13 });
    const [page, ...otherPages] = await engine.queue.getJobs(['wait']);
    expect(otherPages).toHaveLength(0);
    expect(page!.name).toBe(DIGEST_PAGE_JOB);
    expect(page!.data.digests).toHaveLength(13);

    engine.startWorker();
    await engine.idle();

    expect(refusals).toBe(2);
    expect(recipients()).toEqual([...steady, 'flaky@example.edu'].sort());
    expect(await deliveries()).toEqual([
      { email: 'flaky@example.edu', status: 'sent', attempts: 2 },
      ...steady.map((email) => ({ email, status: 'sent', attempts: 1 })),
    ]);
    // First attempt: 12 sent, one transient failure; the retry: 12 already done, the 13th sent.
    const count = (outcome: string) => engine!.outcomes.filter((o) => o === outcome).length;
    expect([count('sent'), count('already-done'), engine.outcomes.length]).toEqual([13, 12, 25]);
    const [done] = await engine.queue.getJobs(['completed']);
    expect(done!.attemptsMade).toBe(2);
    expect(done!.returnvalue).toEqual({ outcomes: { 'already-done': 12, sent: 1 }, leftForLater: 0 });
  });

  test('when one subscriber of a page is refused with 550, then the others are sent, the bounce is recorded and the job fails without a retry', async () => {
    sink = await startSmtpSink({ rejectRecipient: (address) => (address.startsWith('gone') ? 550 : undefined) });
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    const steady = emails(4, 'steady');
    for (const email of [...steady, 'gone@example.edu']) await dueDaily(email);
    await engine.tick();
    engine.startWorker();
    await engine.idle();

    expect(recipients()).toEqual(steady);
    expect(await deliveries()).toEqual([
      { email: 'gone@example.edu', status: 'failed', attempts: 1 },
      ...steady.map((email) => ({ email, status: 'sent', attempts: 1 })),
    ]);
    const [failed] = await engine.queue.getJobs(['failed']);
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toContain('1 of 5 digests refused permanently');
    expect(engine.outcomes.sort()).toEqual(['failed', 'sent', 'sent', 'sent', 'sent']);
  });

  const pageOf = (digests: QueuedDigest[]) =>
    digests.map(({ subscriberId, periodKey, windowEnd }) => ({ subscriberId, periodKey, windowEnd }));

  test('when a page that was sent in full runs again, then nothing is sent twice and its rows stay as they were', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    // 45: more than two claim batches (20 each), so a re-run crosses their boundaries too.
    const everyone = emails(45, 'rerun');
    for (const email of everyone) await dueDaily(email);
    await engine.tick();
    const page = pageOf(await queuedDigests(engine.queue));
    engine.startWorker();
    await engine.idle();
    const before = await deliveries();

    // The same page again, as a job the queue no longer dedupes (another page id, or a day later).
    await engine.queue.add(DIGEST_PAGE_JOB, { digests: page }, digestJobOptions('the-same-page-again', 50));
    await engine.idle();

    expect(recipients()).toEqual(everyone);
    expect(await deliveries()).toEqual(before);
    expect(before.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
    const [again] = (await engine.queue.getJobs(['completed'])).filter((job) => job.id === 'the-same-page-again');
    expect(again!.returnvalue).toEqual({ outcomes: { 'already-done': 45 }, leftForLater: 0 });
  });

  test('when a page was cut off part-way (some digests recorded sent, some claimed and not recorded), then its next run sends the claimed ones again under the same Message-ID and the rest once', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    const everyone = emails(30, 'partly');
    for (const email of everyone) await dueDaily(email);
    await engine.tick();
    const page = pageOf(await queuedDigests(engine.queue));
    await engine.queue.obliterate({ force: true });
    // What a worker killed mid-page leaves: the first 12 recorded sent, the next 5 claimed
    // (`sending`: their mails may or may not have left), the rest untouched.
    const at = '2026-11-25T08:00:10.000Z';
    const rowOf = (digest: DigestJob, status: 'sent' | 'sending') => ({
      id: uuidv7(),
      subscriber_id: digest.subscriberId,
      period_key: digest.periodKey,
      status,
      window_start: '2026-11-24T08:00:00.000Z',
      window_end: digest.windowEnd,
      post_ids: '[]',
      message_id: digestMessageId(digest.subscriberId, digest.periodKey, mailDomainOf(MAIL_FROM)),
      attempts: 1,
      last_error: null,
      created_at: at,
      updated_at: at,
      sent_at: status === 'sent' ? at : null,
    });
    await database.db.kysely
      .insertInto('digest_deliveries')
      .values([
        ...page.slice(0, 12).map((d) => rowOf(d, 'sent')),
        ...page.slice(12, 17).map((d) => rowOf(d, 'sending')),
      ])
      .execute();
    const emailOf = new Map(
      (await database.db.kysely.selectFrom('subscribers').select(['id', 'email']).execute()).map((r) => [
        r.id,
        r.email,
      ]),
    );

    await engine.queue.add(DIGEST_PAGE_JOB, { digests: page }, digestJobOptions('the-rest-of-the-page', 50));
    engine.startWorker();
    await engine.idle();

    const rest = page.slice(12).map((d) => emailOf.get(d.subscriberId)!);
    expect(recipients()).toEqual([...rest].sort());
    const resent = new Map(
      page.slice(12, 17).map((d) => [emailOf.get(d.subscriberId)!, rowOf(d, 'sending').message_id]),
    );
    for (const mail of await sink.parsed()) {
      const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;
      if (resent.has(to)) expect(mail.messageId).toBe(resent.get(to));
      // A resend carries the claim's time, so it is the same message down to its Date.
      if (resent.has(to)) expect(mail.date!.toISOString()).toBe(at);
    }
    const rows = await deliveries();
    const attemptsOf = (which: DigestJob[]) =>
      rows.filter((r) => which.some((d) => emailOf.get(d.subscriberId) === r.email));
    expect(attemptsOf(page.slice(0, 12)).map((r) => [r.status, r.attempts])).toEqual(Array(12).fill(['sent', 1]));
    expect(attemptsOf(page.slice(12, 17)).map((r) => [r.status, r.attempts])).toEqual(Array(5).fill(['sent', 2]));
    expect(attemptsOf(page.slice(17)).map((r) => [r.status, r.attempts])).toEqual(Array(13).fill(['sent', 1]));
    const [done] = await engine.queue.getJobs(['completed']);
    expect(done!.returnvalue).toEqual({ outcomes: { 'already-done': 12, sent: 18 }, leftForLater: 0 });
  });

  test('when a one-subscriber digest job from before pages is in the queue, then it is sent', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    const id = await dueDaily('queued-before@example.edu');
    const old: DigestJob = { subscriberId: id, periodKey: 'daily:2026-11-25', windowEnd: '2026-11-25T08:00:00.000Z' };
    await engine.queue.add(DIGEST_JOB, old, digestJobOptions(digestJobId(old), 50));

    engine.startWorker();
    await engine.idle();

    expect(recipients()).toEqual(['queued-before@example.edu']);
    expect(await deliveries()).toEqual([{ email: 'queued-before@example.edu', status: 'sent', attempts: 1 }]);
    expect(engine.outcomes).toEqual(['sent']);
    const [done] = await engine.queue.getJobs(['completed']);
    expect(done!.id).toBe(digestJobId(old));
  });

  test('when two pages hold the same digest and are sent at once, then it is sent once', async () => {
    // Slow DATA keeps the first copy's send open while the other page reaches the same digest.
    sink = await startSmtpSink({ dataDelayMs: 300 });
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    const shared = await dueDaily('shared@example.edu');
    const [a, b] = [await dueDaily('only-a@example.edu'), await dueDaily('only-b@example.edu')];
    const digest = (subscriberId: string): DigestJob => ({
      subscriberId,
      periodKey: 'daily:2026-11-25',
      windowEnd: '2026-11-25T08:00:00.000Z',
    });
    await engine.queue.add(DIGEST_PAGE_JOB, { digests: [digest(shared), digest(a)] }, digestJobOptions('page-a', 50));
    await engine.queue.add(DIGEST_PAGE_JOB, { digests: [digest(shared), digest(b)] }, digestJobOptions('page-b', 50));
    expect((await queuedDigests(engine.queue)).filter((d) => d.subscriberId === shared)).toHaveLength(2);

    engine.startWorker();
    await engine.idle();

    expect(recipients()).toEqual(['only-a@example.edu', 'only-b@example.edu', 'shared@example.edu']);
    expect(await deliveries()).toEqual([
      { email: 'only-a@example.edu', status: 'sent', attempts: 1 },
      { email: 'only-b@example.edu', status: 'sent', attempts: 1 },
      { email: 'shared@example.edu', status: 'sent', attempts: 1 },
    ]);
    expect(engine.outcomes.filter((o) => o === 'sent')).toHaveLength(3);
  });
});
