import { type DigestOutcome, type DigestSchedulerDeps, type Mailer, createDigestContent, createDigestSender, createDigestsWorker, createOutboxMailer, createSmtpMailer, runDigestTick } from '@careerfeed/digests';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { type Db, readSubscriptionTokenKey } from '@careerfeed/db';
import { createRedisConnection, openDigestsQueue } from '@careerfeed/jobs';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { uniquePrefix } from './support';
import { testRedisErrors } from '../helpers/redis-errors';

export const MAIL_FROM = 'Career Center <no-reply@careers.test.example>';

export interface Engine {
  queue: Queue;
  scheduler: DigestSchedulerDeps;
  outcomes: DigestOutcome[];
  outboxDir: string | undefined;
  tick(): Promise<{ enqueued: number }>;
  /** Starts the worker (tests that only look at the queue never do). */
  startWorker(): void;
  /** Waits until nothing is waiting, active or delayed on the digests queue. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The digests package alone (scheduler, sender, digests worker), in-process, with an injected clock,
 * explicit ticks and its own Redis prefix. Hand-wired on purpose: these tests drive time, which the
 * running worker (tests/helpers/worker.ts) does not let them; how the worker wires it is tested there.
 */
export async function startEngine(
  db: Db,
  options: { smtpUrl?: string; now: () => Date; instantDelaySeconds?: number },
): Promise<Engine> {
  const prefix = uniquePrefix();
  const connection = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
  const queue = openDigestsQueue(connection, prefix);
  const outboxDir = options.smtpUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-outbox-'));
  const mailer: Mailer = options.smtpUrl
    ? createSmtpMailer(options.smtpUrl, { maxConnections: 2 })
    : createOutboxMailer(outboxDir!);
  const outcomes: DigestOutcome[] = [];
  const logger = pino({ level: 'silent' });
  const sender = createDigestSender({
    db,
    mailer,
    content: createDigestContent({ db, publicBaseUrl: PUBLIC_BASE_URL }),
    mailFrom: MAIL_FROM,
    publicBaseUrl: PUBLIC_BASE_URL,
    tokenKey: await readSubscriptionTokenKey(db.kysely),
    now: options.now,
    logger,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  const scheduler: DigestSchedulerDeps = { db, queue, now: options.now, retryDelayMs: 50 };
  let worker: Worker | undefined;
  return {
    queue,
    scheduler,
    outcomes,
    outboxDir,
    tick: () => runDigestTick(scheduler),
    startWorker() {
      worker = createDigestsWorker({ connection, prefix, logger, scheduler, sender });
    },
    idle: (timeoutMs = 15_000) =>
      waitFor(
        async () => {
          const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        timeoutMs,
        'digests queue did not drain',
      ),
    async close() {
      await worker?.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await mailer.close();
      connection.disconnect();
      if (outboxDir) fs.rmSync(outboxDir, { recursive: true, force: true });
    },
  };
}
