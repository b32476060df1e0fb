import { type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { findDueSourceIds } from '@careerfeed/posts';
import {
  SOURCE_POLLS_QUEUE,
  SOURCE_POLL_JOB,
  SOURCE_POLL_TICK_JOB,
  SOURCE_POLL_TICK_SCHEDULER_ID,
  requestSourcePoll,
  sourcePollJobSchema,
} from '@careerfeed/jobs';
import { type PollSourceDeps, pollSource } from './poll-source.job';

export interface SourcePollsWorkerDeps extends PollSourceDeps {
  connection: Redis;
  prefix: string;
  /** The producer side of the same queue, for the tick's poll jobs. */
  queue: Queue;
  logger: Logger;
  /** Polls in flight per worker process; each is mostly waiting on a partner's server. */
  concurrency?: number;
}

/** prom-client counter of poll outcomes (`ok`, `not-modified`, or the error code); `onOutcome` feeds it. */
export function sourcePollMetrics(registry: Registry): (outcome: string) => void {
  const counter = new Counter({
    name: 'source_polls_total',
    help: 'Partner-feed polls by outcome: ok, not-modified, or the error code (TIMEOUT, NOT_A_FEED, …)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return (outcome) => counter.inc({ outcome });
}

/** Sources queued per tick at most; the rest are still due at the next tick. */
const TICK_BATCH = 500;

/**
 * One tick: a poll job for every due source. The job id is the source's, so a source whose poll is
 * still waiting or running is not queued twice, however many workers tick.
 */
export async function runSourcePollTick(deps: { db: PollSourceDeps['db']; queue: Queue; now?: () => Date }): Promise<{
  enqueued: number;
}> {
  const nowUtc = (deps.now?.() ?? new Date()).toISOString();
  const ids = await findDueSourceIds(deps.db, nowUtc, TICK_BATCH);
  for (const sourceId of ids) await requestSourcePoll(deps.queue, { sourceId });
  return { enqueued: ids.length };
}

/** The repeatable tick: every minute, on whichever worker takes it (one scheduler entry per queue). */
export async function ensureSourcePollTickScheduler(queue: Queue, everyMs = 60_000): Promise<void> {
  await queue.upsertJobScheduler(
    SOURCE_POLL_TICK_SCHEDULER_ID,
    { every: everyMs },
    { name: SOURCE_POLL_TICK_JOB, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
}

export function createSourcePollsWorker(deps: SourcePollsWorkerDeps): Worker {
  const worker = new Worker(
    SOURCE_POLLS_QUEUE,
    async (job: Job) => {
      if (job.name === SOURCE_POLL_TICK_JOB) return runSourcePollTick(deps);
      if (job.name !== SOURCE_POLL_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);
      const parsed = sourcePollJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid source poll job: ${parsed.error.message}`);
      const result = await pollSource(deps, parsed.data);
      return result.polled ? { polled: true, ok: result.outcome.ok } : result;
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4 },
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'source polls worker error'));
  worker.on('failed', (job, error) => deps.logger.error({ jobId: job?.id, err: error }, 'source poll job failed'));
  return worker;
}
