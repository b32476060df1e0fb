import { type PostEvent, type PostGoesLiveJob, type PostSnapshot, postGoesLiveJobId } from '@careerfeed/jobs';
import { publicationTimeOf } from '../posts/visibility';

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

