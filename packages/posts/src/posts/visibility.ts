import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { PostSnapshot, PostEvent } from '@careerfeed/jobs';

/**
 * The one rule for which posts readers see: a post is visible when it is published and its
 * publication time has come. A published post with a future time is scheduled, not visible.
 * `isVisibleAt` applies the rule to a post in memory; `visiblePostsAt` is the same rule in SQL,
 * for every query that lists what readers see (feeds, pages, digests, related lists, shares).
 */

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

/**
 * Whether an event, handled at `now`, is the moment its post appears to readers: it is visible
 * after and was not before. True for a publish now or in the past, for a scheduled time moved into
 * the past, and for a go-live event; false for a publish scheduled later and for edits of a post
 * readers already see. Instant digests and share deliveries run on these.
 */
export function becomesVisible(event: PostEvent, now: Date): boolean {
  return isVisibleAt(event.after, now) && !isVisibleAt(event.before, now);
}

/** Whether a stored row is visible at `nowUtc` (ISO 8601 UTC, as `published_at_utc` is stored). */
export function isRowVisibleAt(row: { status: string; published_at_utc: string | null }, nowUtc: string): boolean {
  return row.status === 'published' && row.published_at_utc !== null && row.published_at_utc <= nowUtc;
}

/**
 * The rule as a WHERE condition on the `posts` table (by that name in the query). ISO 8601 UTC
 * strings compare in time order on both dialects, so the comparison is a plain string one.
 */
export function visiblePostsAt(nowUtc: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`(posts.status = 'published' and posts.published_at_utc <= ${nowUtc})`;
}
