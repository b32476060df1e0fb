import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { feedInvalidationChannel, feedInvalidationSchema } from '@careerfeed/jobs';
import type { FeedCache } from '@careerfeed/feeds';

/**
 * Listens for the worker's "these feeds changed" messages on a dedicated subscriber connection.
 * On every (re)connection the whole cache is dropped: messages sent while this instance was
 * disconnected are lost, and a stale feed is worse than one extra render.
 */
export async function subscribeToFeedInvalidations(
  subscriber: Redis,
  prefix: string,
  cache: FeedCache,
  logger: Logger,
): Promise<void> {
  const channel = feedInvalidationChannel(prefix);
  subscriber.on('ready', () => cache.clear());
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      cache.invalidate(feedInvalidationSchema.parse(JSON.parse(message)).scopes);
    } catch (error) {
      logger.warn({ err: error }, 'ignored a malformed feed invalidation message; dropping the whole cache');
      cache.clear();
    }
  });
  await subscriber.subscribe(channel);
}
