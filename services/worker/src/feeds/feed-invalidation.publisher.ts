import type { Redis } from 'ioredis';
import type { Db } from '@careerfeed/db';
import { type FeedCacheRefresher, type PostEvent, feedInvalidationChannel, feedScopesOfPost } from '@careerfeed/jobs';
import { findFeedMembership } from '../related/related.repository';

/**
 * Tells every feed-service instance which feeds a change touched: the feeds the post was in
 * before and is in after (a re-tagged post leaves one tag feed and joins another), plus the feeds
 * of every post whose related list changed (their items show the new list). Without an event (a
 * full recompute of the related lists), only the latter.
 *
 * Then, with a refresher (FEED_CACHE_REFRESH_URL), nginx re-fetches those feeds: only after the
 * publish, when Redis has already written the message to every instance's connection, so the
 * instances drop their copies before nginx's request reaches them and nginx stores fresh bytes.
 */
export async function announceFeedChanges(
  deps: { db: Db; redis: Redis; prefix: string; feedCacheRefresher?: FeedCacheRefresher | undefined },
  event: PostEvent | null,
  postsWithNewRelatedLists: string[],
): Promise<string[]> {
  const scopes = new Set<string>();
  for (const snapshot of event ? [event.before, event.after] : []) {
    if (snapshot) for (const scope of feedScopesOfPost(snapshot)) scopes.add(scope);
  }
  for (const post of await findFeedMembership(deps.db.kysely, postsWithNewRelatedLists)) {
    for (const scope of feedScopesOfPost(post)) scopes.add(scope);
  }
  const list = [...scopes];
  await deps.redis.publish(feedInvalidationChannel(deps.prefix), JSON.stringify({ scopes: list }));
  deps.feedCacheRefresher?.refresh(list);
  return list;
}
