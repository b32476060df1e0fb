import { z } from 'zod';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue } from '../redis';

/**
 * Scheduled publishing. A post published with a future `published_at` is hidden until then; at
 * that instant one delayed job on this queue makes it go live: it runs the same effects as a
 * `post.published` event (related lists, feed invalidations, instant digests).
 */
export const POST_GOES_LIVE_QUEUE = 'post-goes-live';
/** The job name on POST_GOES_LIVE_QUEUE. */
export const POST_GOES_LIVE_JOB = 'goes-live';

export const postGoesLiveJobSchema = z.object({
  postId: z.string().min(1),
  /** The scheduled instant, ISO 8601 UTC; the job does nothing unless the post still has exactly this time. */
  publishedAtUtc: z.iso.datetime(),
});
export type PostGoesLiveJob = z.infer<typeof postGoesLiveJobSchema>;

/**
 * `live-<post>-<epoch ms>`: one job per post and instant, however often an event is redelivered;
 * two ways of writing the same instant (offsets) give the same id. No ':' (BullMQ's separator).
 */
export function postGoesLiveJobId(postId: string, publishedAtMs: number): string {
  return `live-${postId}-${publishedAtMs}`;
}

export function openPostGoesLiveQueue(connection: Redis, prefix: string): Queue {
  return openQueue(POST_GOES_LIVE_QUEUE, connection, prefix);
}
