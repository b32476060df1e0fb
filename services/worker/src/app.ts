import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Db } from '@careerfeed/db';
import type { RedisErrors } from '@careerfeed/jobs';
import {
  authenticateWith,
  createAuthenticator,
  httpMetrics,
  mountApiDocs,
  mountOperationalRoutes,
  notFoundHandler,
  problemHandler,
  JSON_BODY_LIMIT_BYTES,
  rejectOversizedBodies,
  requestLogger,
  type HealthCheck,
  standardReadinessChecks,
} from '@careerfeed/http';
import { buildWorkerOpenApiDocument } from './openapi';
import { staffSessionOr } from './queues/staff-session-auth';

export interface WorkerAppDeps {
  /** Errors of this process's Redis connections and queues; recent ones fail /readyz. */
  redisErrors?: RedisErrors;
  /** More /readyz checks (the worker's: its job schedulers exist). */
  extraReadinessChecks?: HealthCheck[];
  db: Db;
  redis: Redis;
  logger: Logger;
  registry: Registry;
  /** Queues shown on the dashboard. */
  queues: Queue[];
}

/** The worker's small HTTP side: health, metrics, and the queue dashboard for admins. */
export function createWorkerApp(deps: WorkerAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // The dashboard is reached with an admin key: access logs are redacted like every service's.
  const accessLog = requestLogger(deps.logger);
  if (accessLog) app.use(accessLog);
  app.use(httpMetrics(deps.registry));
  mountOperationalRoutes(app, deps.registry, [...standardReadinessChecks(deps), ...(deps.extraReadinessChecks ?? [])]);
  mountApiDocs(app, buildWorkerOpenApiDocument());

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: board });
  const requireAdmin = authenticateWith(createAuthenticator(deps.db))('admin');
  // After authentication, as on ingest: an unauthenticated client learns nothing but 401. An
  // admin's console session (cookie at Path=/admin/queues) is accepted as well as the admin key.
  app.use(
    '/admin/queues',
    staffSessionOr(deps.db, requireAdmin),
    rejectOversizedBodies(JSON_BODY_LIMIT_BYTES),
    board.getRouter(),
  );

  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
