import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { POST_EVENTS_QUEUE, type PostEvent, postEventSchema } from '@careerfeed/jobs';

export type PostEventHandler = (event: PostEvent) => Promise<void>;

export interface PostEventsWorkerDeps {
  connection: Redis;
  prefix: string;
  logger: Logger;
  registry: Registry;
  /** What to do with each event; digests, share payloads and WebSub pings plug in here. */
  handlers: PostEventHandler[];
  /**
   * Called once the worker is done with an event: every handler succeeded, or it gave up (invalid
   * payload, attempts exhausted). The outbox records it, so the relay stops dispatching it again.
   */
  onSettled?: (eventId: string) => Promise<void>;
  concurrency?: number;
}

/**
 * Consumes the domain events the ingest outbox relay publishes. A payload that fails its schema
 * can never succeed, so it fails without retries; handler errors retry with backoff (the queue's
 * default job options).
 */
export function createPostEventsWorker(deps: PostEventsWorkerDeps): Worker {
  const processed = new Counter({
    name: 'post_events_processed_total',
    help: 'Post events handled by this worker, by type',
    labelNames: ['type'] as const,
    registers: [deps.registry],
  });
  const worker = new Worker(
    POST_EVENTS_QUEUE,
    async (job: Job) => {
      const parsed = postEventSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid post event: ${parsed.error.message}`);
      for (const handle of deps.handlers) await handle(parsed.data);
      await deps.onSettled?.(parsed.data.eventId);
      processed.inc({ type: parsed.data.type });
      deps.logger.info(
        {
          eventId: parsed.data.eventId,
          type: parsed.data.type,
          postId: parsed.data.postId,
          ...(parsed.data.requestId ? { requestId: parsed.data.requestId } : {}),
        },
        'post event handled',
      );
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4 },
  );
  worker.on('error', (error) => deps.logger.warn({ err: error }, 'post-events worker error'));
  worker.on('failed', (job, error) => {
    deps.logger.warn({ jobId: job?.id, err: error }, 'post event failed');
    const gaveUp = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    const eventId = (job?.data as { eventId?: unknown } | undefined)?.eventId;
    if (gaveUp && typeof eventId === 'string' && deps.onSettled) {
      deps.onSettled(eventId).catch((settleError: unknown) =>
        deps.logger.warn({ eventId, err: settleError }, 'could not record a given-up post event as handled'),
      );
    }
  });
  return worker;
}
