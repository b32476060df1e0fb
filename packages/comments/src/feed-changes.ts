import type { Redis } from 'ioredis';
import { type FeedCacheRefresher, feedScopesOfPost, publishFeedInvalidation } from '@careerfeed/jobs';

/**
 * Which cached feeds a comment change touches: every feed its post is in (their items carry
 * `slash:comments`). The comment feeds themselves are rendered per request (see comment-feed.ts).
 */
export function feedScopesOfComment(post: { tags: string[]; category: string | null; author_slug: string }): string[] {
  return feedScopesOfPost({ tags: post.tags, category: post.category, author: post.author_slug });
}

/**
 * Publishes "these feeds changed" on the channel every feed instance listens to (as the worker does
 * for posts), then has nginx re-fetch them when a refresher (FEED_CACHE_REFRESH_URL) is given.
 */
export function feedChangePublisher(
  redis: Redis,
  prefix: string,
  feedCacheRefresher?: FeedCacheRefresher,
): (scopes: string[]) => Promise<void> {
  return (scopes) => publishFeedInvalidation(redis, prefix, scopes, feedCacheRefresher);
}
