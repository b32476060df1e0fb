import { Queue } from 'bullmq';
import { loadConfig } from '@careerfeed/config';
import { assertMigrated, createDb } from '@careerfeed/db';
import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  exitOnStartupError,
  handleShutdownSignals,
  listen,
} from '@careerfeed/http';
import { POST_EVENTS_QUEUE, createRedisConnection } from '@careerfeed/jobs';
import { createWorkerApp } from './app';
import { createPostEventsWorker } from './events/post-events.worker';
import { announceFeedChanges } from './feeds/feed-invalidation.publisher';
import { createRelatedPostsMaintainer } from './related/related-posts.maintainer';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const db = createDb(config.databaseUrl, { backgroundCheckpoints: true });
  await assertMigrated(db);

  const redis = createRedisConnection(config.redisUrl, 'worker');
  const registry = createMetricsRegistry('worker');
  const relatedPosts = createRelatedPostsMaintainer({ db, k: config.relatedPostsCount });
  await relatedPosts.init();
  const postEventsWorker = createPostEventsWorker({
    connection: redis,
    prefix: config.redisPrefix,
    logger,
    registry,
    handlers: [
      async (event) => {
        const changed = await relatedPosts.sync();
        await announceFeedChanges({ db, redis, prefix: config.redisPrefix }, event, changed);
      },
    ],
  });
  const dashboardQueues = [new Queue(POST_EVENTS_QUEUE, { connection: redis, prefix: config.redisPrefix })];

  const app = createWorkerApp({ db, redis, logger, registry, queues: dashboardQueues });
  const server = await listen(app, config.host, config.ports.worker);
  logger.info({ url: `http://${config.host}:${config.ports.worker}` }, 'worker listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    // Lets the jobs in progress finish; BullMQ hands unfinished ones to another worker otherwise.
    await postEventsWorker.close();
    await Promise.all(dashboardQueues.map((queue) => queue.close()));
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('worker', error));
