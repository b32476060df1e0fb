import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '@careerfeed/db';
import type { FeedCache } from './feeds/feed-cache';
import { feedsRouter } from './feeds/feeds.routes';
import { pagesRouter } from './pages/pages.routes';
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
  websubHubUrl?: string | undefined;
  /** Rendered feeds; the caller wires its invalidation (see main.ts). */
  cache: FeedCache;
  now?: () => Date;
}

/** The public side: feeds (and, to come, post pages and subscription pages). */
export function createFeedApp(deps: FeedAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const registry = createMetricsRegistry('feed');
  app.use(httpMetrics(registry));
  mountOperationalRoutes(app, registry, [
    { name: 'database', check: () => deps.db.ping() },
    { name: 'redis', check: async () => void (await deps.redis.ping()) },
  ]);
  app.use(
    feedsRouter(
      { db: deps.db, publicBaseUrl: deps.publicBaseUrl, websubHubUrl: deps.websubHubUrl, now: deps.now },
      deps.cache,
    ),
  );
  app.use(pagesRouter({ db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now }));
  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
