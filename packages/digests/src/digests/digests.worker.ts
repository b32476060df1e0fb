import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import {
  DIGESTS_QUEUE,
  DIGEST_JOB,
  DIGEST_TICK_JOB,
  INSTANT_RUN_JOB,
  digestJobSchema,
  instantRunJobSchema,
} from '@careerfeed/jobs';
import { type DigestSchedulerDeps, runDigestTick, runInstantDigests } from './digest-scheduler';
import type { DigestOutcome, DigestSender } from './send-digest.job';

export interface DigestsWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  scheduler: DigestSchedulerDeps;
  sender: DigestSender;
  /** Mails per second across every worker of this queue (BullMQ's limiter is global); 0 = no limit. */
  mailRatePerSecond: number;
  concurrency?: number;
}

/** prom-client counters of digest outcomes; `onOutcome` of the sender feeds them. */
export function digestMetrics(registry: Registry): (outcome: DigestOutcome) => void {
  const counter = new Counter({
    name: 'digests_total',
    help: 'Digest jobs by outcome: sent, skipped (nothing new), failed (permanent bounce), already-done, inactive, suppressed',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return (outcome) => counter.inc({ outcome });
}

/**
 * The digests queue carries three kinds of job: the scheduler's `tick` (every minute), an
 * `instant` run (debounced after posts are published) and one `digest` per subscriber and period.
 */
export function createDigestsWorker(deps: DigestsWorkerDeps): Worker {
  const worker = new Worker(
    DIGESTS_QUEUE,
    async (job: Job) => {
      switch (job.name) {
        case DIGEST_TICK_JOB:
          return runDigestTick(deps.scheduler);
        case INSTANT_RUN_JOB: {
          const parsed = instantRunJobSchema.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`invalid instant run: ${parsed.error.message}`);
          return runInstantDigests(deps.scheduler, parsed.data);
        }
        case DIGEST_JOB: {
          const parsed = digestJobSchema.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`invalid digest job: ${parsed.error.message}`);
          return deps.sender.send(parsed.data);
        }
        default:
          throw new UnrecoverableError(`unknown job ${job.name}`);
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 10,
      ...(deps.mailRatePerSecond > 0 ? { limiter: { max: deps.mailRatePerSecond, duration: 1000 } } : {}),
      // A killed worker's jobs go back to the queue within ~20 s rather than BullMQ's default ~60 s.
      lockDuration: 15_000,
      stalledInterval: 5_000,
    },
  );
  worker.on('error', (error) => deps.logger.warn({ err: error }, 'digests worker error'));
  worker.on('failed', (job, error) =>
    deps.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'digest job failed'),
  );
  return worker;
}
