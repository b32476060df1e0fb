import { runDigestTick } from '@careerfeed/digests';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { createRedisConnection, openDigestsQueue } from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { ROOT, baseEnv, exited } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';
import { type SmtpSink, insertSubscriber, publishPost, startSmtpSink, uniquePrefix } from './support';

const SUBSCRIBERS = 30;
/** The digest worker's sends in flight at most (sendConcurrency, digests.worker.ts). */
const IN_FLIGHT = 10;

describe.each(DIALECTS)('a worker process stopped mid-batch (%s)', (dialect) => {
  let database: TestDatabase;
  let sink: SmtpSink;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    // Each DATA is held 100 ms before the 250, so a batch of 30 takes a while and the kill lands in it.
    sink = await startSmtpSink({ dataDelayMs: 100 });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sink.close();
    await database.drop();
  });

  /**
   * 30 subscribers due, one scheduler tick; a worker process sends part of the batch and gets
   * `signal`; a second worker finishes. What the sink received, per Message-ID and per recipient.
   */
  async function stopMidBatchAndRestart(signal: NodeJS.Signals) {
    const prefix = uniquePrefix();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_PREFIX: prefix,
      SMTP_URL: sink.url,
      MAIL_FROM: 'Career Center <no-reply@careers.test.example>',
      PUBLIC_BASE_URL,
      MAIL_RATE_PER_SECOND: '0',
    };
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [path.join(ROOT, 'services', 'worker', 'dist', 'main.js')], {
        cwd: ROOT,
        env: { ...baseEnv(), ...env, WORKER_PORT: String(await freePort()) },
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    };

    // Arrange: 30 subscribers whose digest was due a minute ago, enqueued by one scheduler tick.
    const now = new Date();
    const due = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 60_000);
    await publishPost(
      { db: database.db, publicBaseUrl: PUBLIC_BASE_URL },
      new Date(due.getTime() - 3600_000).toISOString(),
    );
    const emails: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const email = `${signal.toLowerCase()}-${i}@example.edu`;
      emails.push(email);
      ids.push(
        await insertSubscriber(database.db, {
          email,
          digest_cursor: new Date(due.getTime() - 86_400_000).toISOString(),
          next_digest_at: due.toISOString(),
        }),
      );
    }
    const mine = () => sink.received.filter((m) => emails.includes(m.to[0]!));
    const connection = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    const queue = openDigestsQueue(connection, prefix);
    try {
      expect((await runDigestTick({ db: database.db, queue, now: () => new Date() })).enqueued).toBe(SUBSCRIBERS);

      // Act: a worker sends part of the batch, is stopped, and a new one takes over.
      const first = await start();
      await waitFor(() => mine().length >= 5, 30_000, 'the first worker sent nothing');
      first.kill(signal);
      const stopped = await exited(first);
      const sentBeforeStop = mine().length;
      expect(sentBeforeStop).toBeLessThan(SUBSCRIBERS);

      const second = await start();
      // A killed worker's active jobs come back once their lock expires (about 20 s, see digests.worker.ts).
      await waitFor(
        async () =>
          (
            await database.db.kysely
              .selectFrom('digest_deliveries')
              .select('id')
              .where('subscriber_id', 'in', ids)
              .where('status', '=', 'sent')
              .execute()
          ).length === SUBSCRIBERS,
        60_000,
        'not every digest was recorded as sent',
      );
      second.kill('SIGTERM');
      await exited(second);

      const mails = await Promise.all(mine().map((m) => simpleParser(m.raw)));
      const idsByRecipient = new Map<string, Set<string>>();
      const copiesById = new Map<string, number>();
      for (const mail of mails) {
        const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;
        idsByRecipient.set(to, (idsByRecipient.get(to) ?? new Set()).add(mail.messageId!));
        copiesById.set(mail.messageId!, (copiesById.get(mail.messageId!) ?? 0) + 1);
      }
      const rows = await database.db.kysely
        .selectFrom('digest_deliveries')
        .selectAll()
        .where('subscriber_id', 'in', ids)
        .execute();
      return { stopped, sentBeforeStop, emails, mails, idsByRecipient, copiesById, rows };
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      connection.disconnect();
    }
  }

  test('when the worker is SIGKILLed while sending and restarted, then every subscriber has one digest (one Message-ID), and only mails in flight at the kill arrive twice', async () => {
    const { stopped, sentBeforeStop, emails, idsByRecipient, copiesById, rows } =
      await stopMidBatchAndRestart('SIGKILL');
    expect(stopped.signal).toBe('SIGKILL');

    // Every subscriber got their digest, under one Message-ID each: none missing, none different.
    expect([...idsByRecipient.keys()].sort()).toEqual([...emails].sort());
    for (const messageIds of idsByRecipient.values()) expect(messageIds.size).toBe(1);
    expect(copiesById.size).toBe(SUBSCRIBERS);
    expect(rows).toHaveLength(SUBSCRIBERS);
    expect(rows.every((r) => r.status === 'sent' && copiesById.has(r.message_id!))).toBe(true);

    // A second copy exists only for a mail the sink had accepted when the kill came, before the
    // worker recorded it as sent (the delivery row, `sending`, was committed before SMTP): the
    // restarted worker resends it with the SAME Message-ID and Date, which receiving systems and
    // mail clients treat as one message. So at most the mails in flight at the kill: the digest
    // worker's concurrency, of which the SMTP pool lets at most its connections be in DATA.
    const twice = [...copiesById.values()].filter((n) => n > 1);
    expect(twice.every((n) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(IN_FLIGHT);
    // Each resent digest was attempted twice, and the row says so.
    expect(twice.length).toBeLessThanOrEqual(rows.filter((r) => r.attempts >= 2).length);
    console.log(
      `[${dialect}] SIGKILL mid digest batch: ${sentBeforeStop}/${SUBSCRIBERS} mails before the kill, ` +
        `${twice.length} Message-IDs received twice`,
    );
  }, 120_000);

  test('when the worker gets SIGTERM while sending and is restarted, then every subscriber gets exactly one mail', async () => {
    const { stopped, emails, mails, copiesById, rows } = await stopMidBatchAndRestart('SIGTERM');
    // Graceful: the mails in flight were accepted and recorded before the exit.
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(mails).toHaveLength(SUBSCRIBERS);
    expect(mails.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address!).sort()).toEqual(
      [...emails].sort(),
    );
    expect([...copiesById.values()].filter((n) => n !== 1)).toEqual([]);
    expect(rows).toHaveLength(SUBSCRIBERS);
    for (const row of rows) expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  }, 120_000);
});
