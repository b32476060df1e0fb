import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/** Digest deliveries (one job per subscriber and period) and the scheduler's own ticks. */
export const DIGESTS_QUEUE = 'digests';

/** Job names on DIGESTS_QUEUE. */
export const DIGEST_JOB = 'digest';
export const DIGEST_TICK_JOB = 'tick';
export const INSTANT_RUN_JOB = 'instant';
/** The id of the repeatable scheduler that adds a tick every minute. */
export const DIGEST_TICK_SCHEDULER_ID = 'digest-tick';

/** One digest for one subscriber and period. */
export const digestJobSchema = z.object({
  subscriberId: z.string().min(1),
  /** "daily:2026-11-25", "weekly:2026-W48", "instant:20261125T120000Z". */
  periodKey: z.string().min(1),
  /** ISO 8601 UTC: the digest covers posts published before this instant. */
  windowEnd: z.iso.datetime(),
});
export type DigestJob = z.infer<typeof digestJobSchema>;

/**
 * `digest-<subscriber>-<period>`: the same digest always gets the same job id, so a scheduler that
 * runs twice adds it once. BullMQ custom ids must not contain ':' (its own key separator).
 */
export function digestJobId(job: Pick<DigestJob, 'subscriberId' | 'periodKey'>): string {
  return `digest-${job.subscriberId}-${job.periodKey.replace(/:/g, '')}`;
}

/** A debounced run for instant subscribers; `windowEnd` is the end of the batch it collects. */
export const instantRunJobSchema = z.object({ windowEnd: z.iso.datetime() });
export type InstantRunJob = z.infer<typeof instantRunJobSchema>;

export function instantRunJobId(windowEnd: Date): string {
  return `instant-${compactInstant(windowEnd)}`;
}

/** `2026-11-25T12:00:00.000Z` → `20261125T120000Z` (no colons, fit for keys and job ids). */
export function compactInstant(instant: Date): string {
  return instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function openDigestsQueue(connection: Redis, prefix: string): Queue {
  return openQueue(DIGESTS_QUEUE, connection, prefix);
}
