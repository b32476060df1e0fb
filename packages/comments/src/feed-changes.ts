import type { Redis } from 'ioredis';
import { feedInvalidationChannel, feedScopesOfPost } from '@careerfeed/jobs';

/**
 * Which cached feeds a comment change touches: every feed its post is in (their items carry
 * `slash:comments`). The comment feeds themselves are rendered per request (see comment-feed.ts).
 */
export function feedScopesOfComment(post: { tags: string[]; category: string | null; author_slug: string }): string[] {
  return feedScopesOfPost({ tags: post.tags, category: post.category, author: post.author_slug });
}

/** Publishes "these feeds changed" on the channel every feed instance listens to (as the worker does for posts). */
export function feedChangePublisher(redis: Redis, prefix: string): (scopes: string[]) => Promise<void> {
  return async (scopes) => {
    await redis.publish(feedInvalidationChannel(prefix), JSON.stringify({ scopes }));
  };
}
