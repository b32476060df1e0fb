import { runDigestTick } from '@careerfeed/digests';
import { type PostsDeps } from '@careerfeed/posts';
import fs from 'node:fs';
import path from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { type Engine, startEngine } from './engine';
import {
  type SmtpSink,
  insertDueDailySubscriber,
  insertSubscriber,
  publishPost,
  queuedDigests,
  startSmtpSink,
} from './support';

/** Every href and the List-Unsubscribe target are absolute https links on the public base. */
/** A header exactly as written (mailparser folds the List-* headers into one structured `list` value). */
function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

function linksOf(mail: ParsedMail): string[] {
  return [...String(mail.html).matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

describe.each(DIALECTS)('digests (%s)', (dialect) => {
  let database: TestDatabase;
  let sink: SmtpSink | undefined;
  let engine: Engine | undefined;
  let clock = new Date('2026-11-25T08:00:30Z');
  const now = () => clock;
  let posts: PostsDeps;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    posts = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
    clock = new Date('2026-11-25T08:00:30Z');
  });
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
    engine = undefined;
    sink = undefined;
    await database.drop();
  });

  async function deliveries(subscriberId: string) {
    return database.db.kysely
      .selectFrom('digest_deliveries')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .orderBy('period_key')
      .execute();
  }
  const subscriber = (id: string) =>
    database.db.kysely.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A UTC daily subscriber whose 25 Nov 08:00 digest is due and whose last one went on 24 Nov. */
  const dueDaily = (overrides: Parameters<typeof insertSubscriber>[1] = {}) =>
    insertDueDailySubscriber(database.db, overrides);

  test('when a daily digest is due, then one mail with every required header, both parts, only the chosen topics and absolute links', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    const wanted = await publishPost(posts, '2026-11-24T12:00:00Z', {
      title: 'Resume clinic on Friday',
      tags: ['resumes'],
    });
    const alsoWanted = await publishPost(posts, '2026-11-25T07:00:00Z', {
      title: 'Interview day',
      category: 'interviews',
      tags: [],
    });
    const other = await publishPost(posts, '2026-11-24T13:00:00Z', { title: 'Alumni picnic', tags: ['alumni'] });
    const tooOld = await publishPost(posts, '2026-11-24T07:59:59Z', {
      title: 'Yesterday resume post',
      tags: ['resumes'],
    });
    const id = await dueDaily({
      email: 'Ada@Example.edu',
      topics: JSON.stringify(['tag:resumes', 'category:interviews']),
    });

    expect(await engine.tick()).toEqual({ enqueued: 1 });
    engine.startWorker();
    await engine.idle();

    const [mail, ...more] = await sink.parsed();
    expect(more).toHaveLength(0);
    expect(mail!.from?.value[0]).toEqual({ address: 'no-reply@careers.test.example', name: 'Career Center' });
    // Addressed as typed (nodemailer writes the domain part in lower case).
    expect(mail!.to && !Array.isArray(mail!.to) && mail!.to.value[0]?.address).toBe('Ada@example.edu');
    expect(mail!.messageId).toBe(`<digest.${id}.daily.2026-11-25@careers.test.example>`);
    expect(mail!.date?.toISOString()).toBe('2026-11-25T08:00:30.000Z');
    // RFC 8058: one https URI in List-Unsubscribe, and the one-click POST marker.
    const listUnsubscribe = rawHeader(mail!, 'List-Unsubscribe');
    expect(listUnsubscribe).toMatch(/^<https:\/\/careers\.test\.example\/unsubscribe\?token=[\w-]+\.[\w-]+>$/);
    expect(rawHeader(mail!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail!.subject).toContain('Interview day');
    for (const part of [String(mail!.html), String(mail!.text)]) {
      expect(part).toContain(wanted.title);
      expect(part).toContain(alsoWanted.title);
      expect(part).not.toContain(other.title);
      expect(part).not.toContain(tooOld.title);
      expect(part).toContain(`${PUBLIC_BASE_URL}/posts/${wanted.slug}`);
      expect(part).toContain('/unsubscribe?token=');
      expect(part).toContain('/preferences?token=');
    }
    const links = linksOf(mail!);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(link).toMatch(/^https:\/\//);
    expect(links).toContain(listUnsubscribe!.slice(1, -1));

    // The new state: delivered once, the cursor moved to the period's end, the next digest tomorrow.
    const [delivery, ...others] = await deliveries(id);
    expect(others).toHaveLength(0);
    expect(delivery).toMatchObject({
      status: 'sent',
      period_key: 'daily:2026-11-25',
      message_id: mail!.messageId,
      window_start: '2026-11-24T08:00:00.000Z',
      window_end: '2026-11-25T08:00:00.000Z',
    });
    expect(JSON.parse(delivery!.post_ids)).toEqual([alsoWanted.id, wanted.id]);
    expect(await subscriber(id)).toMatchObject({
      digest_cursor: '2026-11-25T08:00:00.000Z',
      next_digest_at: '2026-11-26T08:00:00.000Z',
    });
    expect(engine.outcomes).toEqual(['sent']);
  });

  test('when nothing new matches the topics, then no mail is sent and the period is recorded as skipped', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    await publishPost(posts, '2026-11-24T12:00:00Z', { tags: ['alumni'] });
    const id = await dueDaily({ topics: JSON.stringify(['tag:resumes']) });
    await engine.tick();
    engine.startWorker();
    await engine.idle();
    expect(sink.received).toHaveLength(0);
    expect(await deliveries(id)).toEqual([
      expect.objectContaining({ status: 'skipped', period_key: 'daily:2026-11-25' }),
    ]);
    expect((await subscriber(id)).digest_cursor).toBe('2026-11-25T08:00:00.000Z');
  });

  test('when the scheduler runs twice, and two schedulers run at once, then each subscriber gets one digest', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    await publishPost(posts, '2026-11-24T12:00:00Z');
    const ids = await Promise.all([dueDaily(), dueDaily(), dueDaily()]);
    const [first, second] = await Promise.all([engine.tick(), engine.tick()]);
    const again = await engine.tick();
    // Whichever tick got there first enqueued; the others found nothing due or added the same job ids.
    expect(first.enqueued + second.enqueued).toBeGreaterThanOrEqual(3);
    expect(again.enqueued).toBe(0);
    // The same page from both ticks has the same job id: three digests queued, not six.
    expect(await queuedDigests(engine.queue)).toHaveLength(3);
    engine.startWorker();
    await engine.idle();
    expect(sink.received.map((m) => m.to[0]).sort()).toEqual(
      (await Promise.all(ids.map(async (id) => (await subscriber(id)).email))).sort(),
    );
    for (const id of ids) expect((await subscriber(id)).next_digest_at).toBe('2026-11-26T08:00:00.000Z');
  });

  test('when more subscribers are due than fit on a page, with equal due times across page boundaries, and two schedulers page at once, then each gets one job and moves on once', async () => {
    engine = await startEngine(database.db, { now });
    // 4 per page; 11 due at three instants (ties cross the page boundaries), 2 never scheduled,
    // 1 not due yet, 1 paused.
    const dueAt = ['2026-11-25T06:00:00.000Z', '2026-11-25T07:00:00.000Z', '2026-11-25T08:00:00.000Z'];
    const due = await Promise.all(
      Array.from({ length: 11 }, (_, i) => dueDaily({ next_digest_at: dueAt[i % 3]!, delivery_hour: 6 + (i % 3) })),
    );
    const unscheduled = await Promise.all([insertSubscriber(database.db), insertSubscriber(database.db)]);
    const later = await dueDaily({ next_digest_at: '2026-11-25T09:00:00.000Z', delivery_hour: 9 });
    const paused = await dueDaily({ paused: 1 });
    const scheduler = { ...engine.scheduler, pageSize: 4 };

    const [first, second] = await Promise.all([runDigestTick(scheduler), runDigestTick(scheduler)]);

    expect(first.enqueued + second.enqueued).toBeGreaterThanOrEqual(11);
    const jobs = await queuedDigests(engine.queue);
    expect(jobs.map((j) => j.subscriberId).sort()).toEqual([...due].sort());
    for (const [i, id] of due.entries())
      expect((await subscriber(id)).next_digest_at).toBe(`2026-11-26T0${6 + (i % 3)}:00:00.000Z`);
    for (const id of unscheduled) expect((await subscriber(id)).next_digest_at).toBe('2026-11-26T08:00:00.000Z');
    expect((await subscriber(later)).next_digest_at).toBe('2026-11-25T09:00:00.000Z');
    expect((await subscriber(paused)).next_digest_at).toBe('2026-11-25T08:00:00.000Z');
    expect((await runDigestTick(scheduler)).enqueued).toBe(0);
  });

  test('when the SMTP server answers 421 to the first attempt, then the retried job delivers exactly one mail', async () => {
    sink = await startSmtpSink({ rejectData: (n) => (n === 0 ? 421 : undefined) });
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    await publishPost(posts, '2026-11-24T12:00:00Z');
    const id = await dueDaily();
    await engine.tick();
    engine.startWorker();
    await waitFor(async () => (await deliveries(id))[0]?.status === 'sent', 15_000, 'digest not sent after retry');
    await engine.idle();
    expect(sink.received).toHaveLength(1);
    const [delivery] = await deliveries(id);
    expect(delivery!.attempts).toBe(2);
    expect((await sink.parsed())[0]!.messageId).toBe(delivery!.message_id);
  });

  test('when the server refuses the address with 550, then the digest fails without retry, and the third bounce suspends the subscriber', async () => {
    sink = await startSmtpSink({ rejectRecipient: (a) => (a.startsWith('gone') ? 550 : undefined) });
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    await publishPost(posts, '2026-11-24T12:00:00Z');
    const id = await dueDaily({ email: 'gone@example.edu' });
    engine.startWorker();
    for (const day of [25, 26, 27]) {
      clock = new Date(`2026-11-${day}T08:00:30Z`);
      await publishPost(posts, `2026-11-${day}T07:00:00Z`);
      await engine.tick();
      await engine.idle();
    }
    expect(sink.received).toHaveLength(0);
    const rows = await deliveries(id);
    expect(rows.map((r) => [r.period_key, r.status, r.attempts])).toEqual([
      ['daily:2026-11-25', 'failed', 1],
      ['daily:2026-11-26', 'failed', 1],
      ['daily:2026-11-27', 'failed', 1],
    ]);
    expect(rows[0]!.last_error).toContain('550');
    const failed = await engine.queue.getJobs(['failed']);
    expect(failed.map((job) => job.attemptsMade)).toEqual([1, 1, 1]);
    expect(await subscriber(id)).toMatchObject({ status: 'suspended', hard_bounces: 3, next_digest_at: null });
    expect(engine.outcomes).toEqual(['failed', 'failed', 'failed']);
  });

  test('when the subscriber unsubscribes or pauses after the digest was enqueued, then nothing is sent', async () => {
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    await publishPost(posts, '2026-11-24T12:00:00Z');
    const gone = await dueDaily();
    const paused = await dueDaily();
    await engine.tick();
    await database.db.kysely
      .updateTable('subscribers')
      .set({ status: 'unsubscribed' })
      .where('id', '=', gone)
      .execute();
    await database.db.kysely.updateTable('subscribers').set({ paused: 1 }).where('id', '=', paused).execute();
    engine.startWorker();
    await engine.idle();
    expect(sink.received).toHaveLength(0);
    expect(engine.outcomes).toEqual(['inactive', 'inactive']);
  });

  test('when subscribers live in Honolulu, UTC, Kolkata, Tongatapu and New York, then each digest is due at their own 08:00, across the DST change', async () => {
    engine = await startEngine(database.db, { now });
    const zones = ['Pacific/Honolulu', 'UTC', 'Asia/Kolkata', 'Pacific/Tongatapu', 'America/New_York'];
    const ids = new Map<string, string>();
    for (const zone of zones) ids.set(await insertSubscriber(database.db, { time_zone: zone }), zone);
    // Every 30 minutes from 30 Oct to 3 Nov 2026 (New York leaves DST on 1 Nov), a tick.
    for (let t = Date.parse('2026-10-30T00:00:00Z'); t <= Date.parse('2026-11-03T00:00:00Z'); t += 30 * 60_000) {
      clock = new Date(t);
      await engine.tick();
    }
    const jobs = await queuedDigests(engine.queue);
    const dueTimes = (zone: string) =>
      jobs
        .filter((job) => ids.get(job.subscriberId) === zone)
        .map((job) => `${job.periodKey} ${job.windowEnd}`)
        .sort();
    // The first tick gives each subscriber a schedule from 30 Oct 00:00 UTC on.
    expect(dueTimes('Pacific/Honolulu')).toEqual([
      'daily:2026-10-30 2026-10-30T18:00:00.000Z',
      'daily:2026-10-31 2026-10-31T18:00:00.000Z',
      'daily:2026-11-01 2026-11-01T18:00:00.000Z',
      'daily:2026-11-02 2026-11-02T18:00:00.000Z',
    ]);
    expect(dueTimes('UTC')).toEqual([
      'daily:2026-10-30 2026-10-30T08:00:00.000Z',
      'daily:2026-10-31 2026-10-31T08:00:00.000Z',
      'daily:2026-11-01 2026-11-01T08:00:00.000Z',
      'daily:2026-11-02 2026-11-02T08:00:00.000Z',
    ]);
    expect(dueTimes('Asia/Kolkata')).toEqual([
      'daily:2026-10-30 2026-10-30T02:30:00.000Z',
      'daily:2026-10-31 2026-10-31T02:30:00.000Z',
      'daily:2026-11-01 2026-11-01T02:30:00.000Z',
      'daily:2026-11-02 2026-11-02T02:30:00.000Z',
    ]);
    expect(dueTimes('Pacific/Tongatapu')).toEqual([
      'daily:2026-10-31 2026-10-30T19:00:00.000Z',
      'daily:2026-11-01 2026-10-31T19:00:00.000Z',
      'daily:2026-11-02 2026-11-01T19:00:00.000Z',
      'daily:2026-11-03 2026-11-02T19:00:00.000Z',
    ]);
    // 08:00 EDT is 12:00 UTC; from 1 November 08:00 EST is 13:00 UTC.
    expect(dueTimes('America/New_York')).toEqual([
      'daily:2026-10-30 2026-10-30T12:00:00.000Z',
      'daily:2026-10-31 2026-10-31T12:00:00.000Z',
      'daily:2026-11-01 2026-11-01T13:00:00.000Z',
      'daily:2026-11-02 2026-11-02T13:00:00.000Z',
    ]);
  });

  test('when a weekly subscriber chose Friday, then the digest is due on Friday at 08:00 local time only', async () => {
    engine = await startEngine(database.db, { now });
    const id = await insertSubscriber(database.db, {
      frequency: 'weekly',
      delivery_weekday: 5,
      time_zone: 'Europe/Berlin',
    });
    for (let t = Date.parse('2026-11-23T00:00:00Z'); t <= Date.parse('2026-12-05T00:00:00Z'); t += 60 * 60_000) {
      clock = new Date(t);
      await engine.tick();
    }
    const jobs = await queuedDigests(engine.queue);
    expect(
      jobs
        .filter((j) => j.subscriberId === id)
        .map((j) => `${j.periodKey} ${j.windowEnd}`)
        .sort(),
    ).toEqual(['weekly:2026-W48 2026-11-27T07:00:00.000Z', 'weekly:2026-W49 2026-12-04T07:00:00.000Z']);
  });

  test('when there is no SMTP_URL, then each mail is an .eml file in the outbox that a mail reader opens', async () => {
    engine = await startEngine(database.db, { now });
    const post = await publishPost(posts, '2026-11-24T12:00:00Z', { title: 'Outbox post' });
    const id = await dueDaily({ email: 'outbox@example.edu' });
    await engine.tick();
    engine.startWorker();
    await engine.idle();
    const files = fs.readdirSync(engine.outboxDir!);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const mail = await simpleParser(fs.readFileSync(path.join(engine.outboxDir!, files[0]!)));
    expect(mail.messageId).toBe(`<digest.${id}.daily.2026-11-25@careers.test.example>`);
    expect(mail.from?.value).toEqual([{ name: 'Career Center', address: 'no-reply@careers.test.example' }]);
    expect(String(mail.html)).toContain(post.title);
    expect(String(mail.text)).toContain(post.title);
    expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });
});
