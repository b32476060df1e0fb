import { runDigestTick } from '@careerfeed/digests';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createRedisConnection, openDigestsQueue } from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { ROOT, baseEnv, exited } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';
import { type SmtpSink, insertSubscriber, publishPost, startSmtpSink, uniquePrefix } from './support';

const SUBSCRIBERS = 30;

describe.each(DIALECTS)('a worker process killed mid-batch (%s)', (dialect) => {
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

  test('when the worker is SIGKILLed while sending and restarted, then every subscriber has exactly one digest (one Message-ID)', async () => {
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
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const email = `crash-${i}@example.edu`;
      emails.push(email);
      await insertSubscriber(database.db, {
        email,
        digest_cursor: new Date(due.getTime() - 86_400_000).toISOString(),
        next_digest_at: due.toISOString(),
      });
    }
    const connection = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    const queue = openDigestsQueue(connection, prefix);
    try {
      expect((await runDigestTick({ db: database.db, queue, now: () => new Date() })).enqueued).toBe(SUBSCRIBERS);

      // Act: a worker sends part of the batch, is killed without warning, and a new one takes over.
      const first = await start();
      await waitFor(() => sink.received.length >= 5, 30_000, 'the first worker sent nothing');
      first.kill('SIGKILL');
      await exited(first);
      const sentBeforeKill = sink.received.length;
      expect(sentBeforeKill).toBeLessThan(SUBSCRIBERS);

      const second = await start();
      // A killed worker's active jobs come back once their lock expires (about 20 s, see digests.worker.ts).
      await waitFor(
        async () =>
          (await database.db.kysely.selectFrom('digest_deliveries').select('id').where('status', '=', 'sent').execute())
            .length === SUBSCRIBERS,
        60_000,
        'not every digest was recorded as sent',
      );
      second.kill('SIGTERM');
      await exited(second);

      // Assert: per recipient, one distinct Message-ID. A raw second copy can exist only for a mail
      // whose 250 the sink had already given when the kill came, before the worker recorded it as
      // sent (the one ambiguous window): the restarted worker then resends it with the SAME
      // Message-ID and Date, which receiving systems and mail clients treat as the same message.
      const mails = await sink.parsed();
      const idsByRecipient = new Map<string, Set<string>>();
      for (const mail of mails) {
        const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;
        idsByRecipient.set(to, (idsByRecipient.get(to) ?? new Set()).add(mail.messageId!));
      }
      expect([...idsByRecipient.keys()].sort()).toEqual([...emails].sort());
      for (const ids of idsByRecipient.values()) expect(ids.size).toBe(1);
      // At most the mails in flight when the kill came (the worker's concurrency) can be resent.
      expect(mails.length - SUBSCRIBERS).toBeLessThanOrEqual(10);
      const rows = await database.db.kysely.selectFrom('digest_deliveries').selectAll().execute();
      expect(rows).toHaveLength(SUBSCRIBERS);
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      connection.disconnect();
    }
  }, 120_000);
});
