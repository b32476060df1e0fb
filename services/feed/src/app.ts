import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '@careerfeed/db';
import {
  createMetricsRegistry,
  httpMetrics,
  mountOperationalRoutes,
  notFoundHandler,
  problemHandler,
} from '@careerfeed/http';

export interface FeedAppDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  publicBaseUrl: string;
}

/**
 * The public side: feeds, post pages and subscription pages. So far only its operational routes;
 * the feeds themselves come with the feed-service issue.
 */
export function createFeedApp(deps: FeedAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const registry = createMetricsRegistry('feed');
  app.use(httpMetrics(registry));
  mountOperationalRoutes(app, registry, [
    { name: 'database', check: () => deps.db.ping() },
    { name: 'redis', check: async () => void (await deps.redis.ping()) },
  ]);
  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
