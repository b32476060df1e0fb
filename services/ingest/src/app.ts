import type { Queue } from 'bullmq';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { Gauge } from 'prom-client';
import type { Db } from '@careerfeed/db';
import {
  authenticateWith,
  createAuthenticator,
  createMetricsRegistry,
  httpMetrics,
  mountOperationalRoutes,
  notFoundHandler,
  problemHandler,
} from '@careerfeed/http';
import { authorsRouter } from './authors/authors.routes';
import { countPendingOutboxEvents } from './outbox/outbox.repository';
import { postsRouter } from './posts/posts.routes';
import { webhooksRouter } from './webhooks/webhooks.routes';

export interface IngestAppDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  publicBaseUrl: string;
  /** Wakes the outbox relay after a write committed. */
  onEventsWritten?: () => void;
  now?: () => Date;
  webhooks: {
    /** The worker's webhook delivery queue (replays are added to it). */
    deliveriesQueue: Queue;
    /** ALLOW_PRIVATE_NETWORKS: whether destinations may resolve to private addresses. */
    allowPrivateNetworks: boolean;
  };
}

/** Builds the ingest HTTP app; it never listens, reads the environment or exits (main.ts does). */
export function createIngestApp(deps: IngestAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const registry = createMetricsRegistry('ingest');
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Domain events written but not yet on the queue',
    registers: [registry],
    async collect() {
      this.set(await countPendingOutboxEvents(deps.db.kysely));
    },
  });

  // Access logs only when they would be written: pino-http costs a few percent of a request even
  // when its lines are filtered out by the level.
  if (deps.logger.isLevelEnabled('info')) {
    app.use(
      pinoHttp({
        logger: deps.logger,
        autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      }),
    );
  }
  app.use(httpMetrics(registry));
  mountOperationalRoutes(app, registry, [
    { name: 'database', check: () => deps.db.ping() },
    { name: 'redis', check: async () => void (await deps.redis.ping()) },
  ]);

  const postsDeps = {
    db: deps.db,
    publicBaseUrl: deps.publicBaseUrl,
    onEventsWritten: deps.onEventsWritten,
    now: deps.now,
  };
  const authenticate = authenticateWith(createAuthenticator(deps.db, deps.now));
  const v1 = express.Router();
  const webhooksDeps = { db: deps.db, now: deps.now, ...deps.webhooks };
  v1.use(
    postsRouter(postsDeps, authenticate),
    authorsRouter(postsDeps, authenticate),
    webhooksRouter(webhooksDeps, authenticate),
  );
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
