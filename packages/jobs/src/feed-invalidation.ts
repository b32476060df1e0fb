import { z } from 'zod';
import type { FeedCacheRefresher } from './feed-cache-refresh';

/**
 * Redis pub/sub channel (under the deployment's key prefix) on which the worker announces which
 * feeds a change touched; every feed-service instance drops those feeds from its cache. Pub/sub,
 * not a queue: every instance must hear every message. A message missed while an instance was
 * disconnected is covered by that instance clearing its whole cache when it reconnects.
 */
export function feedInvalidationChannel(prefix: string): string {
  return `${prefix}:feed-invalidations`;
}

/** Scope keys: "site", "tag:<slug>", "category:<slug>", "topic:<slug>", "author:<slug>"; "*" means everything. */
export const feedInvalidationSchema = z.object({ scopes: z.array(z.string()).min(1) });
export type FeedInvalidation = z.infer<typeof feedInvalidationSchema>;

/**
 * The feeds a post appears in: the site's, its tags', its category's, the topics of those (a
 * topic is a tag and a category of one slug) and its author's.
 */
export function feedScopesOfPost(post: { tags: string[]; category: string | null; author: string }): string[] {
  const topics = new Set([...post.tags, ...(post.category ? [post.category] : [])]);
  return [
    'site',
    ...post.tags.map((t) => `tag:${t}`),
    ...(post.category ? [`category:${post.category}`] : []),
    ...[...topics].map((t) => `topic:${t}`),
    `author:${post.author}`,
  ];
}

/**
 * Asks every feed-service instance to drop the feeds of these scopes from its cache, then (with a
 * refresher) has nginx re-fetch them: after the publish, so the instances dropped theirs first.
 */
export async function publishFeedInvalidation(
  redis: { publish(channel: string, message: string): Promise<unknown> },
  prefix: string,
  scopes: string[],
  feedCacheRefresher?: FeedCacheRefresher,
): Promise<void> {
  const message: FeedInvalidation = feedInvalidationSchema.parse({ scopes });
  await redis.publish(feedInvalidationChannel(prefix), JSON.stringify(message));
  feedCacheRefresher?.refresh(message.scopes);
}
