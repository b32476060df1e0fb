import type { Queue } from 'bullmq';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import type { Db } from '@careerfeed/db';
import {
  authenticateWith,
  createAuthenticator,
  createMetricsRegistry,
  httpMetrics,
  mountApiDocs,
  mountOperationalRoutes,
  notFoundHandler,
  problemHandler,
  requestIds,
  requestLogger,
  type HealthCheck,
  standardReadinessChecks,
} from '@careerfeed/http';
import { requestSourcePoll, type RedisErrors } from '@careerfeed/jobs';
import { authorsRouter } from './authors/authors.routes';
import { type ConsoleDeps } from './console/console-context';
import { consoleRouter } from './console/console.routes';
import type { SignInRateLimits } from './console/sign-in-rate-limits';
import { buildOpenApiDocument } from './openapi';
import { countPendingOutboxEvents } from '@careerfeed/posts';
import { postsRouter } from './posts/posts.routes';
import { sourcesRouter } from './sources/sources.routes';
import { webhooksRouter } from './webhooks/webhooks.routes';
import { commentsRouter } from './comments/comments.routes';
import { cachedCommentTokenKey, feedChangePublisher } from '@careerfeed/comments';
import type { CommentMailQueue, FeedCacheRefresher } from '@careerfeed/jobs';

export interface IngestAppDeps {
  /** Errors of this process's Redis connections and queues; recent ones fail /readyz. */
  redisErrors?: RedisErrors;
  /** More /readyz checks (the worker's: its job schedulers exist). */
  extraReadinessChecks?: HealthCheck[];
  db: Db;
  redis: Redis;
  logger: Logger;
  publicBaseUrl: string;
  /** Wakes the outbox relay after a write committed. */
  onEventsWritten?: () => void;
  now?: () => Date;
  /** ALLOW_PRIVATE_NETWORKS: may partner sources and webhook destinations point inside (tests, intranets)? Default false. */
  allowPrivateNetworks?: boolean;
  /** The `source-polls` queue; without it `POST /v1/sources/{id}/poll` answers 503. */
  sourcePolls?: Queue;
  /** The worker's webhook delivery queue (replays of dead deliveries are added to it). */
  webhookDeliveries: Queue;
  /** Where comment mails are handed to the worker (an approved reply tells the parent's author). */
  commentMails?: CommentMailQueue;
  /** REDIS_PREFIX: approving a comment announces the feeds it changes on this deployment's channel. */
  redisPrefix?: string;
  /** FEED_CACHE_REFRESH_URL's refresher: nginx re-fetches the feeds a comment or topic change touched. */
  feedCacheRefresher?: FeedCacheRefresher;
  /** WEBHOOK_SECRETS_KEY (resolveWebhookSecretsKey): destination secrets are stored encrypted under it. */
  webhookSecretsKey: Buffer;
  /** TRUST_PROXY: the client address (sign-in rate limits) and https-ness come from the nearest proxy. */
  trustProxy?: boolean;
  /** The staff console at /console (docs/console.md); not mounted without it. */
  console?: Pick<
    ConsoleDeps,
    'consoleUrl' | 'queueDashboardUrl' | 'mailer' | 'mailFrom' | 'dataDir' | 'redisPrefix' | 'share'
  > & {
    /** Tests pass tighter or looser limits on sign-in link requests. */
    signInLimits?: SignInRateLimits;
  };
}

/** Builds the ingest HTTP app; it never listens, reads the environment or exits (main.ts does). */
export function createIngestApp(deps: IngestAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ? 1 : false);

  const registry = createMetricsRegistry('ingest');
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Domain events written but not yet on the queue',
    registers: [registry],
    async collect() {
      this.set(await countPendingOutboxEvents(deps.db.kysely));
    },
  });

  // Access logs (redacted: no Authorization header, no tokens) only when they would be written.
  app.use(requestIds());
  const accessLog = requestLogger(deps.logger);
  if (accessLog) app.use(accessLog);
  app.use(httpMetrics(registry));
  mountOperationalRoutes(app, registry, [...standardReadinessChecks(deps), ...(deps.extraReadinessChecks ?? [])]);

  // The API description and its reference page are public: they hold no data.
  mountApiDocs(app, buildOpenApiDocument());

  const postsDeps = {
    db: deps.db,
    publicBaseUrl: deps.publicBaseUrl,
    onEventsWritten: deps.onEventsWritten,
    now: deps.now,
  };
  const authenticate = authenticateWith(createAuthenticator(deps.db, deps.now));
  const v1 = express.Router();
  // The API's moderation and the console's share them: approving anywhere mails and invalidates alike.
  const commentsWiring = {
    mails: deps.commentMails,
    announceFeedChanges:
      deps.redisPrefix === undefined
        ? undefined
        : feedChangePublisher(deps.redis, deps.redisPrefix, deps.feedCacheRefresher),
  };
  const allowPrivateNetworks = deps.allowPrivateNetworks ?? false;
  const sourcePolls = deps.sourcePolls;
  const sourcesDeps = {
    ...postsDeps,
    allowPrivateNetworks,
    requestPoll: sourcePolls
      ? (sourceId: string) => requestSourcePoll(sourcePolls, { sourceId, force: true })
      : undefined,
  };
  const webhooksDeps = {
    db: deps.db,
    now: deps.now,
    deliveriesQueue: deps.webhookDeliveries,
    allowPrivateNetworks,
    secretsKey: deps.webhookSecretsKey,
  };
  v1.use(
    postsRouter(postsDeps, authenticate),
    authorsRouter(postsDeps, authenticate),
    sourcesRouter(sourcesDeps, authenticate),
    webhooksRouter(webhooksDeps, authenticate),
    commentsRouter(
      {
        db: deps.db,
        publicBaseUrl: deps.publicBaseUrl,
        now: deps.now,
        tokenKey: cachedCommentTokenKey(deps.db),
        ...commentsWiring,
        logger: deps.logger,
      },
      authenticate,
    ),
  );
  app.use('/v1', v1);

  if (deps.console) {
    const { signInLimits, ...consoleOptions } = deps.console;
    app.use(
      '/console',
      consoleRouter(
        {
          ...consoleOptions,
          db: deps.db,
          redis: deps.redis,
          logger: deps.logger,
          publicBaseUrl: deps.publicBaseUrl,
          now: deps.now ?? (() => new Date()),
          onEventsWritten: deps.onEventsWritten,
          comments: commentsWiring,
          feedCacheRefresher: deps.feedCacheRefresher,
          distribution: {
            allowPrivateNetworks,
            sourcePolls: deps.sourcePolls,
            webhookDeliveries: deps.webhookDeliveries,
            webhookSecretsKey: deps.webhookSecretsKey,
          },
        },
        { signInLimits },
      ),
    );
  }

  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
