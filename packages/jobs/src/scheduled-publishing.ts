import { z } from 'zod';
import type { PostEvent, PostSnapshot } from './post-events';

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

/** The epoch ms of a snapshot's publication, or undefined when it has none (or is not parseable). */
export function publicationTimeOf(snapshot: PostSnapshot | null): number | undefined {
  if (!snapshot || snapshot.status !== 'published' || snapshot.published_at === null) return undefined;
  const ms = Date.parse(snapshot.published_at);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether readers can see the post at `now`: published, and its time has come. */
export function isVisibleAt(snapshot: PostSnapshot | null, now: Date): boolean {
  const ms = publicationTimeOf(snapshot);
  return ms !== undefined && ms <= now.getTime();
}

export interface ScheduleAction {
  /** A go-live job to add (a duplicate id is ignored by BullMQ). */
  add?: { jobId: string; delayMs: number; data: PostGoesLiveJob };
  /** The id of a go-live job that no longer applies (time changed, unpublished, deleted). */
  remove?: string;
}

/**
 * What an event means for the post's go-live job: its `after` state published in the future needs
 * one; the `before` state's job goes when the time changed or the post left (unpublished, deleted).
 * A removal that comes too late or events handled out of order are harmless: the job re-reads the
 * post when it fires and does nothing unless it still applies.
 */
export function scheduleActionOf(event: PostEvent, now: Date): ScheduleAction {
  const action: ScheduleAction = {};
  const after = publicationTimeOf(event.after);
  if (after !== undefined && after > now.getTime()) {
    action.add = {
      jobId: postGoesLiveJobId(event.postId, after),
      delayMs: after - now.getTime(),
      data: { postId: event.postId, publishedAtUtc: new Date(after).toISOString() },
    };
  }
  const before = publicationTimeOf(event.before);
  if (before !== undefined && before !== after) action.remove = postGoesLiveJobId(event.postId, before);
  return action;
}

/**
 * The event a go-live job hands to the post-event handlers: a `post.published` for the post as it
 * is now, so the handlers of a real publish (related lists, feeds, instant digests) run unchanged.
 */
export function wentLiveEvent(after: PostSnapshot, now: Date): PostEvent {
  return {
    eventId: `live-${after.id}-${now.getTime()}`,
    type: 'post.published',
    postId: after.id,
    occurredAt: now.toISOString(),
    before: null,
    after,
  };
}

/**
 * Whether an event, handled at `now`, is the moment its post appears to readers: it is visible
 * after and was not before. True for a publish now or in the past, for a scheduled time moved into
 * the past, and for a go-live event; false for a publish scheduled later and for edits of a post
 * readers already see. Instant digests run on these.
 */
export function becomesVisible(event: PostEvent, now: Date): boolean {
  return isVisibleAt(event.after, now) && !isVisibleAt(event.before, now);
}
