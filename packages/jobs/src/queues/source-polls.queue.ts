import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/**
 * Partner-feed polling. A `tick` (one BullMQ job scheduler entry for all workers) finds the
 * sources that are due and adds one `poll` job per source; `POST /v1/sources/{id}/poll` adds one
 * with `force`. The job id is the source's, so while a poll of a source is waiting or running,
 * further adds for it are ignored: two workers never poll one source at once.
 */
export const SOURCE_POLLS_QUEUE = 'source-polls';
export const SOURCE_POLL_TICK_JOB = 'tick';
export const SOURCE_POLL_JOB = 'poll';
export const SOURCE_POLL_TICK_SCHEDULER_ID = 'source-poll-tick';

export const sourcePollJobSchema = z.object({
  sourceId: z.string().min(1),
  /** Poll even if the source is not due (an admin asked). */
  force: z.boolean().optional(),
});
export type SourcePollJob = z.infer<typeof sourcePollJobSchema>;

/** `source-poll-<id>`. No ':' (BullMQ's separator). */
export function sourcePollJobId(sourceId: string): string {
  return `source-poll-${sourceId.replaceAll(':', '_')}`;
}

/**
 * Removed once done (so the next tick can add the id again); the poll records its own outcome on
 * the source, and a job that failed for lack of a database is simply tried at the next tick.
 */
export const SOURCE_POLL_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1 } as const;

/** The queue as producers (ingest's poll-now, the tick) use it. */
export function openSourcePollsQueue(connection: Redis, prefix: string): Queue {
  return openQueue(SOURCE_POLLS_QUEUE, connection, prefix);
}

/** Adds a poll of one source; ignored while one for the same source is waiting or running. */
export async function requestSourcePoll(queue: Queue, job: SourcePollJob): Promise<void> {
  await queue.add(SOURCE_POLL_JOB, job, { jobId: sourcePollJobId(job.sourceId), ...SOURCE_POLL_JOB_OPTIONS });
}
