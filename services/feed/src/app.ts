import { mediaRouter } from './media/media.routes';
import type { RequestListener } from 'node:http';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Db } from '@careerfeed/db';
import type { ConfirmationMailQueue, RedisErrors } from '@careerfeed/jobs';
import type { FeedCache } from '@careerfeed/feeds';
import { type OnCachedFeedServed, serveCachedFeed } from './feeds/cached-feeds.handler';
import { feedsRouter } from './feeds/feeds.routes';
import { topicRedirectsRouter } from './feeds/topic-redirects.routes';
import { pagesRouter } from './pages/pages.routes';
import { embedsRouter } from './embeds/embeds.routes';
import { themeRouter } from './site/theme.routes';
import { siteDocumentsRouter } from './site-documents/site-documents.routes';
import { searchRouter } from './search/search.routes';
import {
  DEFAULT_SUBSCRIBE_LIMITS,
  type RateLimitRule,
  createSubscribeRateLimits,
} from './subscriptions/subscribe-rate-limits';
import { SUBSCRIPTION_BODY_LIMIT_BYTES, subscriptionsRouter } from './subscriptions/subscriptions.routes';
import { buildFeedOpenApiDocument } from './openapi';
import {
  type CommentRateRules,
  cachedCommentTokenKey,
  createCommentRateLimits,
  feedChangePublisher,
} from '@careerfeed/comments';
import type { CommentMailQueue, FeedCacheRefresher } from '@careerfeed/jobs';
import { commentsRouter } from './comments/comments.routes';
import { cachedLegacyManageLinksDeadline, cachedTokenKey } from './subscriptions/subscriptions.service';
import {
  createMetricsRegistry,
  httpMetrics,
  httpRequestDuration,
  mountApiDocs,
  mountOperationalRoutes,
  notFoundHandler,
  problemHandler,
  rejectOversizedBodies,
  requestLogger,
  type HealthCheck,
  standardReadinessChecks,
} from '@careerfeed/http';

export interface FeedAppDeps {
  /** Errors of this process's Redis connections and queues; recent ones fail /readyz. */
  redisErrors?: RedisErrors;
  /** More /readyz checks (the worker's: its job schedulers exist). */
  extraReadinessChecks?: HealthCheck[];
  db: Db;
  /** A producer connection: rate limits of the subscription form live here. */
  redis: Redis;
  /** REDIS_PREFIX: rate-limit keys sit under it, so instances of one deployment share them. */
  redisPrefix: string;
  /** Where confirmation mails are handed to the worker. */
  subscriptionMails: ConfirmationMailQueue;
  /** TRUST_PROXY: take the client address from the nearest proxy's X-Forwarded-For. */
  trustProxy?: boolean;
  /** Overrides of the subscription rate limits (defaults in subscribe-rate-limits.ts). */
  subscribeLimits?: { perClient: RateLimitRule; perAddress: RateLimitRule };
  /** Where comment mails (reply confirmations, notifications) are handed to the worker. */
  commentMails?: CommentMailQueue;
  /** Overrides of the comment rate limits (defaults in @careerfeed/comments). */
  commentLimits?: CommentRateRules;
  /** COMMENTS_NOTIFY_EMAIL is set: each new comment asks the worker for a notification mail. */
  notifyNewComments?: boolean;
  logger: Logger;
  publicBaseUrl: string;
  websubHubUrl?: string | undefined;
  /** FEED_CACHE_REFRESH_URL's refresher: nginx re-fetches the feeds a new comment touched. */
  feedCacheRefresher?: FeedCacheRefresher;
  /** Rendered feeds; the caller wires its invalidation (see main.ts). */
  cache: FeedCache;
  now?: () => Date;
  /** URLs per sitemap file before /sitemap.xml becomes an index; default 50,000 (sitemaps.org). */
  sitemapMaxUrls?: number;
  /** DATA_DIR/media: featured images uploaded in the console, served at /media/<file>. */
  mediaDir?: string;
}

/**
 * The public side: feeds, pages and the subscription pages, on express. In front of it, a plain node handler answers the
 * feeds that are already cached (the requests readers repeat all day), with the same headers and
 * bytes express's feed routes send; everything else — misses, pages, errors — goes to express.
 * Returns that handler, for `http.createServer` (or supertest).
 */
export function createFeedApp(deps: FeedAppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // One hop, not `true`: behind our proxy the client address is the entry that proxy appended;
  // anything to its left came from the client and could be forged to dodge the rate limits.
  app.set('trust proxy', deps.trustProxy ? 1 : false);
  const registry = createMetricsRegistry('feed');
  // Access logs of what express answers (cached feeds are answered before it, unlogged), redacted:
  // subscription links carry their token in the query string.
  const accessLog = requestLogger(deps.logger);
  if (accessLog) app.use(accessLog);
  app.use(rejectOversizedBodies(SUBSCRIPTION_BODY_LIMIT_BYTES));
  app.use(httpMetrics(registry));
  mountOperationalRoutes(app, registry, [...standardReadinessChecks(deps), ...(deps.extraReadinessChecks ?? [])]);
  mountApiDocs(app, buildFeedOpenApiDocument());
  // Every feed request is counted once: a hit answered before express, or express's own lookup.
  const cacheLookups = new Counter({
    name: 'feed_cache_requests_total',
    help: 'Feed requests by cache result: hit (served from the rendered cache), miss (rendered)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const cacheHit = cacheLookups.labels('hit');
  const cacheMiss = cacheLookups.labels('miss');
  cacheHit.inc(0);
  cacheMiss.inc(0);
  app.use(topicRedirectsRouter({ db: deps.db }));
  app.use(
    feedsRouter(
      { db: deps.db, publicBaseUrl: deps.publicBaseUrl, websubHubUrl: deps.websubHubUrl, now: deps.now },
      deps.cache,
      { hit: cacheHit, miss: cacheMiss },
    ),
  );
  if (deps.mediaDir) app.use(mediaRouter(deps.mediaDir));
  app.use(themeRouter({ db: deps.db }));
  app.use(embedsRouter({ db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now }));
  const commentTokenKey = cachedCommentTokenKey(deps.db);
  app.use(pagesRouter({ db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now, commentTokenKey }));
  app.use(
    commentsRouter({
      db: deps.db,
      publicBaseUrl: deps.publicBaseUrl,
      now: deps.now,
      tokenKey: commentTokenKey,
      limits: createCommentRateLimits(deps.redis, deps.redisPrefix, deps.commentLimits),
      mails: deps.commentMails,
      // Every instance (this one included) drops the feeds that count the comment.
      announceFeedChanges: feedChangePublisher(deps.redis, deps.redisPrefix, deps.feedCacheRefresher),
      notifyNewComments: deps.notifyNewComments,
      logger: deps.logger,
    }),
  );
  app.use(
    siteDocumentsRouter({
      db: deps.db,
      publicBaseUrl: deps.publicBaseUrl,
      now: deps.now,
      sitemapMaxUrls: deps.sitemapMaxUrls,
    }),
  );
  app.use(searchRouter({ db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now }));
  app.use(
    subscriptionsRouter({
      db: deps.db,
      publicBaseUrl: deps.publicBaseUrl,
      now: deps.now,
      mails: deps.subscriptionMails,
      limits: createSubscribeRateLimits(deps.redis, deps.redisPrefix, deps.subscribeLimits ?? DEFAULT_SUBSCRIBE_LIMITS),
      tokenKey: cachedTokenKey(deps.db),
      legacyManageLinksDeadline: cachedLegacyManageLinksDeadline(deps.db),
    }),
  );
  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));

  const duration = httpRequestDuration(registry);
  const onCachedFeedServed: OnCachedFeedServed = (method, route, status, seconds) => {
    cacheHit.inc();
    duration.observe({ method, route, status: String(status) }, seconds);
  };
  return (req, res) => {
    if (!serveCachedFeed(req, res, deps.cache, onCachedFeedServed)) app(req, res);
  };
}
