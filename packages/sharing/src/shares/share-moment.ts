import type { PostEvent } from '@careerfeed/jobs';
import { becomesVisible, publicationTimeOf } from '@careerfeed/posts';

/**
 * Whether an event is the moment to share its post: the post becomes visible (the rule instant
 * digests run on), and it was published no more than `maxAgeMs` before the event happened. The
 * second part keeps an import of old posts (published_at years back, made visible today) from
 * sending one webhook per post per network: they are not news. A go-live event and a publish
 * "now" are both at their own publication time; an event handled late (Redis was down) still
 * counts, because the age is measured at the event, not at handling.
 */
export function isSharedOn(event: PostEvent, now: Date, maxAgeMs: number): boolean {
  if (!becomesVisible(event, now)) return false;
  const publishedAt = publicationTimeOf(event.after)!;
  return Date.parse(event.occurredAt) - publishedAt <= maxAgeMs;
}
