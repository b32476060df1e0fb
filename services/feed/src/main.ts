import path from 'node:path';
import { loadConfig } from '@careerfeed/config';
import { assertMigrated, createDb } from '@careerfeed/db';
import { closeServer, createLogger, exitOnStartupError, handleShutdownSignals, listen } from '@careerfeed/http';
import {
  createCommentMailQueue,
  createFeedCacheRefresher,
  createConfirmationMailQueue,
  RedisErrors,
  createRedisConnection,
} from '@careerfeed/jobs';
import { createFeedApp } from './app';
import { FeedCache } from '@careerfeed/feeds';
import { subscribeToFeedInvalidations } from './feeds/feed-invalidation.subscriber';

// A backstop only: changes invalidate at once; this bounds staleness if a message is lost and lets
// a scheduled post appear even before its publish job fires.
const FEED_CACHE_TTL_MS = 60_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('feed', config.logLevel);
  const redisErrors = new RedisErrors(logger);
  const db = createDb(config.databaseUrl, {
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects'),
  });
  await assertMigrated(db);
  const redis = createRedisConnection(config.redisUrl, 'producer', redisErrors);
  // A subscribing connection can do nothing else, so it is a connection of its own; it waits for
  // Redis like a worker does.
  const subscriber = createRedisConnection(config.redisUrl, 'worker', redisErrors);
  const subscriptionMails = createConfirmationMailQueue(redis, config.redisPrefix);
  const commentMails = createCommentMailQueue(redis, config.redisPrefix);
  const cache = new FeedCache(FEED_CACHE_TTL_MS);
  await subscribeToFeedInvalidations(subscriber, config.redisPrefix, cache, logger);
  const feedCacheRefresher = config.feedCacheRefreshUrl
    ? createFeedCacheRefresher({ refreshUrl: config.feedCacheRefreshUrl, publicBaseUrl: config.publicBaseUrl, logger })
    : undefined;

  const app = createFeedApp({
    db,
    redis,
    redisErrors,
    redisPrefix: config.redisPrefix,
    subscriptionMails,
    commentMails,
    feedCacheRefresher,
    notifyNewComments: config.commentsNotifyEmail !== undefined,
    trustProxy: config.trustProxy,
    logger,
    cache,
    publicBaseUrl: config.publicBaseUrl,
    mediaDir: path.join(config.dataDir, 'media'),
    websubHubUrl: config.websubHubUrl,
  });
  const server = await listen(app, config.host, config.ports.feed);
  logger.info({ url: `http://${config.host}:${config.ports.feed}` }, 'feed listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    await feedCacheRefresher?.close();
    await subscriptionMails.close();
    await commentMails.close();
    subscriber.disconnect();
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('feed', error));
