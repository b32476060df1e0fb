import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/** Digest deliveries (one job per page of up to DIGEST_PAGE_SIZE subscribers) and the scheduler's own ticks. */
export const DIGESTS_QUEUE = 'digests';

/** Job names on DIGESTS_QUEUE. */
export const DIGEST_PAGE_JOB = 'digest-page';
/**
 * The one-subscriber shape every digest had before pages (2026-12-07). Nothing adds it any more;
 * workers still process it, so jobs queued before an upgrade are sent.
 */
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
 * Subscribers per digest job. A job costs the queue about the same whatever it carries (one
 * `addBulk` entry, one fetch, one lock, one completion); 100 makes that cost ~1% of what it was
 * per subscriber, while a page stays short (well under a second of sends at the pool's rate) and
 * small (~12 KB in Redis), and a retry after one subscriber's transient failure re-checks at most
 * 99 done rows (three statements each).
 */
export const DIGEST_PAGE_SIZE = 100;

/** A page of digests: each entry is one subscriber's digest for one period, sent on its own. */
export const digestPageJobSchema = z.object({
  digests: z.array(digestJobSchema).min(1).max(DIGEST_PAGE_SIZE),
});
export type DigestPageJob = z.infer<typeof digestPageJobSchema>;

/**
 * `digest-page-<hash of its subscribers and periods>`: a scheduler that re-reads the same due
 * subscribers (two ticks at once, or a tick after one that died before moving their schedules on)
 * builds the same pages and adds them once, as the one-subscriber ids did.
 */
export function digestPageJobId(page: DigestPageJob): string {
  const hash = createHash('sha256');
  for (const digest of page.digests) hash.update(`${digest.subscriberId} ${digest.periodKey}\n`);
  return `digest-page-${hash.digest('hex').slice(0, 32)}`;
}

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
