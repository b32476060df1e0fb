import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import {
  DIGESTS_QUEUE,
  DIGEST_JOB,
  DIGEST_PAGE_JOB,
  DIGEST_TICK_JOB,
  INSTANT_RUN_JOB,
  digestJobSchema,
  type DigestJob,
  digestPageJobSchema,
  instantRunJobSchema,
} from '@careerfeed/jobs';
import { type DigestSchedulerDeps, runDigestTick, runInstantDigests } from './digest-scheduler';
import { createDigestPageSender } from './send-digest-page';
import type { DigestOutcome, DigestSender } from './send-digest.job';

export interface DigestsWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  scheduler: DigestSchedulerDeps;
  sender: DigestSender;
  /** Jobs taken at once (ticks, instant runs, pages); the sends inside them share `sendConcurrency`. */
  concurrency?: number;
  /** Digests being sent at once across this worker's jobs; see createDigestPageSender. */
  sendConcurrency?: number;
}

/** prom-client counters of digest outcomes; `onOutcome` of the sender feeds them. */
export function digestMetrics(registry: Registry): (outcome: DigestOutcome) => void {
  const counter = new Counter({
    name: 'digests_total',
    help: 'Digests (one subscriber and period each) by outcome: sent, skipped (nothing new), failed (permanent bounce), already-done, inactive, suppressed',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return (outcome) => counter.inc({ outcome });
}

/**
 * The digests queue carries the scheduler's `tick` (every minute), an `instant` run (debounced
 * after posts are published) and `digest-page`s of up to DIGEST_PAGE_SIZE digests; a `digest` of
 * one subscriber (the shape before pages, still queued after an upgrade) is sent as a page of one.
 *
 * The mail rate (MAIL_RATE_PER_SECOND) is not a BullMQ limiter here, since a job is many mails:
 * the sender's mailer holds it per mail (rateLimitedMailer).
 */
export function createDigestsWorker(deps: DigestsWorkerDeps): Worker {
  const pages = createDigestPageSender({
    sender: deps.sender,
    connection: deps.connection,
    prefix: deps.prefix,
    logger: deps.logger,
    sendConcurrency: deps.sendConcurrency,
  });
  /**
   * A graceful stop (worker.close) waits for the active jobs: a page's digests not yet started
   * then go back to the queue with the job (no attempt spent), for this or another worker.
   */
  async function sendPage(job: Job, token: string | undefined, digests: DigestJob[]) {
    const result = await pages.sendPage(job.id!, digests, () => worker.closing !== undefined);
    if (result.leftForLater === 0) return result;
    await job.moveToWait(token);
    throw new WaitingError();
  }
  const worker: Worker = new Worker(
    DIGESTS_QUEUE,
    async (job: Job, token?: string) => {
      switch (job.name) {
        case DIGEST_TICK_JOB:
          return runDigestTick(deps.scheduler);
        case INSTANT_RUN_JOB: {
          const parsed = instantRunJobSchema.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`invalid instant run: ${parsed.error.message}`);
          return runInstantDigests(deps.scheduler, parsed.data);
        }
        case DIGEST_PAGE_JOB: {
          const parsed = digestPageJobSchema.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`invalid digest page: ${parsed.error.message}`);
          return sendPage(job, token, parsed.data.digests);
        }
        case DIGEST_JOB: {
          const parsed = digestJobSchema.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`invalid digest job: ${parsed.error.message}`);
          return sendPage(job, token, [parsed.data]);
        }
        default:
          throw new UnrecoverableError(`unknown job ${job.name}`);
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 10,
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
