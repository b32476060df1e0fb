import type { Queue, Worker } from 'bullmq';
import type express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '@careerfeed/config';
import type { Db } from '@careerfeed/db';
import {
  type Mailer,
  createDigestContent,
  createDigestSender,
  createDigestsWorker,
  createSubscriptionMailsWorker,
  countingMailer,
  digestMetrics,
  isSkippedDigest,
  mailMetrics,
  rateLimitedMailer,
  ensureDigestTickScheduler,
  requestInstantRun,
} from '@careerfeed/digests';
import { createMetricsRegistry } from '@careerfeed/http';
import {
  DIGEST_TICK_SCHEDULER_ID,
  type RedisErrors,
  SOURCE_POLL_TICK_SCHEDULER_ID,
  openDigestsQueue,
  openPostEventsQueue,
  openPostGoesLiveQueue,
  openSourcePollsQueue,
  openCommentMailsQueue,
  openSubscriptionMailsQueue,
  openWebhookDeliveriesQueue,
  outboxNudgeChannel,
  createFeedCacheRefresher,
  redisSettingsProblems,
} from '@careerfeed/jobs';
import {
  becomesVisible,
  countPendingOutboxEvents,
  createOutboxRelay,
  markOutboxEventHandled,
  oldestPendingOutboxEventAt,
} from '@careerfeed/posts';
import {
  createBlueskyHandleResolver,
  createSharePublisher,
  createWebhookDeliveryWorker,
  restoreWebhookDeliveryJobs,
  sealPlaintextWebhookSecrets,
} from '@careerfeed/sharing';
import { createWorkerApp } from './app';
import { type PostEventHandler, createPostEventsWorker } from './events/post-events.worker';
import { announceFeedChanges } from './feeds/feed-invalidation.publisher';
import { createRelatedPostsMaintainer } from './related/related-posts.maintainer';
import { relatedRebuildMetrics, relatedReweighMetrics } from './related/related-rebuild.metrics';
import { createGoLiveScheduler, createPostGoesLiveWorker, restoreGoLiveJobs } from './scheduling/post-goes-live';
import {
  createSourcePollsWorker,
  ensureSourcePollTickScheduler,
  sourcePollMetrics,
} from './sources/source-polls.worker';
import { createWebSubPublisher } from './websub/websub-ping';
import { workerMetrics } from './metrics/worker.metrics';
import { cachedCommentTokenKey, createCommentMailsWorker } from '@careerfeed/comments';

/** The settings the worker uses, as `loadConfig` gives them. */
export type WorkerSettings = Pick<
  Config,
  | 'databaseUrl'
  | 'redisPrefix'
  | 'publicBaseUrl'
  | 'websubHubUrl'
  | 'feedCacheRefreshUrl'
  | 'share'
  | 'allowPrivateNetworks'
  | 'webhookTimeoutMs'
  | 'webhookConcurrency'
  | 'relatedPostsCount'
  | 'relatedRebuildIntervalMs'
  | 'instantDigestDelaySeconds'
  | 'outboxRedispatchAfterMs'
  | 'mailRatePerSecond'
  | 'mailFrom'
  | 'commentsNotifyEmail'
>;

export interface WorkerDeps {
  settings: WorkerSettings;
  db: Db;
  /** A connection from `createRedisConnection(url, 'worker', redisErrors)`. */
  redis: Redis;
  /** A second such connection for pub/sub (the outbox nudges); a subscribing connection does nothing else. */
  subscriber: Redis;
  redisErrors: RedisErrors;
  mailer: Mailer;
  logger: Logger;
  /** Subscription token key (`readSubscriptionTokenKey`), for the links in mails. */
  tokenKey: Buffer;
  /** WEBHOOK_SECRETS_KEY (`resolveWebhookSecretsKey`): opens the webhook destinations' secrets. */
  webhookSecretsKey: Buffer;
  registry?: Registry;
  now?: () => Date;
  /** How often the job schedulers are put back if Redis lost them (default 30 s). */
  schedulerCheckIntervalMs?: number;
  /** The outbox relay's polling interval (default 1 s); nudges make it look sooner. */
  outboxPollIntervalMs?: number;
  /** Overrides OUTBOX_REDISPATCH_AFTER_SECONDS (tests: milliseconds). */
  outboxRedispatchAfterMs?: number;
  /**
   * Delays before each webhook retry (default: the Standard Webhooks schedule, 5 s to 10 h). A knob
   * for tests (milliseconds) and for operators who must shorten it; not an environment setting.
   */
  webhookRetrySchedule?: readonly number[];
}

export interface CareerfeedWorker {
  /** The health server (`/healthz`, `/readyz`, `/metrics`, `/admin/queues`); the caller listens. */
  app: express.Express;
  /** The BullMQ processors, one per queue the worker consumes. */
  processors: Worker[];
  /** The queues the worker opened (producers and the dashboard's). */
  queues: Queue[];
  /** The job schedulers (digest tick, source-poll tick): put back idempotently, and checked by /readyz. */
  schedulers: { ensure(): Promise<void>; missing(): Promise<string[]> };
  /** Restores jobs from the database, creates the schedulers, starts the outbox relay and the related index. */
  start(): Promise<void>;
  /** Stops taking work, lets jobs in progress finish, closes the queues. Connections stay the caller's. */
  close(): Promise<void>;
}

/**
 * Builds the worker: every processor, the outbox relay (any number of workers may run one; they
 * claim disjoint batches), the job schedulers and the health server. It never listens, reads the
 * environment or exits: main.ts does.
 */
export function createWorker(deps: WorkerDeps): CareerfeedWorker {
  const { settings, db, redis, logger, redisErrors } = deps;
  const prefix = settings.redisPrefix;
  const registry = deps.registry ?? createMetricsRegistry('worker');
  const now = deps.now ?? (() => new Date());

  const postEventsQueue = openPostEventsQueue(redis, prefix);
  const goesLiveQueue = openPostGoesLiveQueue(redis, prefix);
  const digestsQueue = openDigestsQueue(redis, prefix);
  const subscriptionMailsQueue = openSubscriptionMailsQueue(redis, prefix);
  const commentMailsQueue = openCommentMailsQueue(redis, prefix);
  const sourcePollsQueue = openSourcePollsQueue(redis, prefix);
  const webhookDeliveriesQueue = openWebhookDeliveriesQueue(redis, prefix);

  // Events leave from wherever they were written: the relay runs here, in every worker instance.
  const relay = createOutboxRelay({
    db,
    queue: postEventsQueue,
    logger,
    now,
    ...(deps.outboxPollIntervalMs ? { pollIntervalMs: deps.outboxPollIntervalMs } : {}),
    redispatchAfterMs: deps.outboxRedispatchAfterMs ?? settings.outboxRedispatchAfterMs,
  });
  outboxMetrics(registry, db, now);

  // WebSub: only when a hub is configured (the operator's own setting, so no SSRF guard applies).
  const websub = createWebSubPublisher({
    hubUrl: settings.websubHubUrl,
    publicBaseUrl: settings.publicBaseUrl,
    connection: redis,
    prefix,
    logger,
  });

  const sharePayloads = createSharePublisher({
    db,
    queue: webhookDeliveriesQueue,
    publicBaseUrl: settings.publicBaseUrl,
    networks: settings.share.networks,
    limits: { mastodon: settings.share.mastodon },
    maxAgeMs: settings.share.maxAgeMs,
    now,
    logger,
    resolveBlueskyHandle: createBlueskyHandleResolver({
      serviceUrl: settings.share.blueskyResolverUrl,
      allowPrivateNetworks: settings.allowPrivateNetworks,
      now,
      logger,
    }),
  });
  const webhookDeliveryWorker = createWebhookDeliveryWorker({
    connection: redis,
    prefix,
    db,
    logger,
    registry,
    allowPrivateNetworks: settings.allowPrivateNetworks,
    secretsKey: deps.webhookSecretsKey,
    timeoutMs: settings.webhookTimeoutMs,
    concurrency: settings.webhookConcurrency,
    ...(deps.webhookRetrySchedule ? { retrySchedule: deps.webhookRetrySchedule } : {}),
  });

  // nginx's copies of the feeds a change touched, re-fetched once the feed instances dropped theirs.
  const feedCacheRefresher = settings.feedCacheRefreshUrl
    ? createFeedCacheRefresher({
        refreshUrl: settings.feedCacheRefreshUrl,
        publicBaseUrl: settings.publicBaseUrl,
        logger,
      })
    : undefined;
  const announce = { db, redis, prefix, feedCacheRefresher };

  // The index lives in a thread of its own (see related-posts.maintainer.ts); its fills and the
  // rounds of its rolling re-weigh change lists outside any post event, and are announced like a
  // sync's changes.
  const observeRebuild = relatedRebuildMetrics(registry);
  const observeReweigh = relatedReweighMetrics(registry);
  const announceRelatedChanges = async (work: 'rebuild' | 'reweigh', changed: string[]) => {
    if (changed.length === 0) return;
    const scopes = await announceFeedChanges(announce, null, changed);
    await websub.notify(`related-${work}-${Date.now()}`, scopes);
  };
  const relatedPosts = createRelatedPostsMaintainer({
    databaseUrl: settings.databaseUrl,
    k: settings.relatedPostsCount,
    rebuildIntervalMs: settings.relatedRebuildIntervalMs,
    logger,
    onRebuilt: async (outcome) => {
      observeRebuild(outcome);
      await announceRelatedChanges('rebuild', outcome.changed);
    },
    onReweighed: async (outcome) => {
      observeReweigh(outcome);
      await announceRelatedChanges('reweigh', outcome.changed);
    },
  });

  // What a post becoming visible sets off: run for each post event, and by the go-live job of a
  // scheduled post when its time comes (with a `post.published` event of the post as it is then).
  const publishEffects: PostEventHandler[] = [
    async (event) => {
      const changed = await relatedPosts.sync();
      const scopes = await announceFeedChanges(announce, event, changed);
      await websub.notify(event.eventId, scopes);
    },
    async (event) => {
      // When readers can first see the post: a post scheduled for later reaches instant
      // subscribers through its go-live event, not its publish event.
      if (becomesVisible(event, now())) {
        await requestInstantRun(digestsQueue, now(), settings.instantDigestDelaySeconds);
      }
    },
    // Rebuilds the post's share payloads on every change; delivers them once, when a fresh post
    // becomes visible (the same rule as instant digests, plus: not an import of old posts).
    sharePayloads,
  ];
  const postEventsWorker = createPostEventsWorker({
    connection: redis,
    prefix,
    logger,
    registry,
    handlers: [...publishEffects, createGoLiveScheduler(goesLiveQueue, now)],
    onSettled: (eventId) => markOutboxEventHandled(db.kysely, eventId, now().toISOString()),
  });
  const goesLiveWorker = createPostGoesLiveWorker({
    connection: redis,
    prefix,
    db,
    logger,
    handlers: publishEffects,
    now,
  });

  const mailSettings = {
    db,
    mailer: deps.mailer,
    mailFrom: settings.mailFrom,
    publicBaseUrl: settings.publicBaseUrl,
    tokenKey: deps.tokenKey,
    now,
    logger,
  };
  // mails_total{kind,outcome}: what the SMTP server made of each send, and the mails not needed.
  const mails = mailMetrics(registry);
  const countDigest = digestMetrics(registry);
  const digestsWorker = createDigestsWorker({
    connection: redis,
    prefix,
    logger,
    scheduler: { db, queue: digestsQueue, now, logger },
    sender: createDigestSender({
      ...mailSettings,
      // A digest job is a page of mails, so the mail rate is held per mail, across workers.
      mailer: rateLimitedMailer(countingMailer(deps.mailer, mails.digest), {
        connection: redis,
        key: `${prefix}:digests:mail-rate`,
        perSecond: settings.mailRatePerSecond,
      }),
      content: createDigestContent({ db, publicBaseUrl: settings.publicBaseUrl }),
      onOutcome: (outcome) => {
        countDigest(outcome);
        if (isSkippedDigest(outcome)) mails.digest.skipped();
      },
    }),
  });
  const subscriptionMailsWorker = createSubscriptionMailsWorker({
    ...mailSettings,
    mailer: countingMailer(deps.mailer, mails.confirmation),
    connection: redis,
    prefix,
    mailRatePerSecond: settings.mailRatePerSecond,
  });

  // Comment mails: reply-notification confirmations, replies, and new-comment notices.
  const commentMailsWorker = createCommentMailsWorker({
    db,
    mailer: countingMailer(deps.mailer, mails.confirmation),
    mailFrom: settings.mailFrom,
    publicBaseUrl: settings.publicBaseUrl,
    tokenKey: cachedCommentTokenKey(db),
    notifyEmail: settings.commentsNotifyEmail,
    logger,
    connection: redis,
    prefix,
    mailRatePerSecond: settings.mailRatePerSecond,
  });

  // Partner feeds: the posts they bring are written like API posts (outbox events included), and
  // the relay above moves those events on.
  const sourcePollsWorker = createSourcePollsWorker({
    connection: redis,
    prefix,
    queue: sourcePollsQueue,
    db,
    publicBaseUrl: settings.publicBaseUrl,
    allowPrivateNetworks: settings.allowPrivateNetworks,
    logger,
    now,
    onOutcome: sourcePollMetrics(registry),
  });

  const processors = [
    postEventsWorker,
    goesLiveWorker,
    digestsWorker,
    subscriptionMailsWorker,
    commentMailsWorker,
    sourcePollsWorker,
    webhookDeliveryWorker,
  ];
  for (const processor of processors) redisErrors.watch(`worker ${processor.name}`, processor);
  const queues = [
    postEventsQueue,
    goesLiveQueue,
    digestsQueue,
    subscriptionMailsQueue,
    commentMailsQueue,
    ...(websub.queue ? [websub.queue] : []),
    sourcePollsQueue,
    webhookDeliveriesQueue,
  ];

  const schedulers = {
    async ensure(): Promise<void> {
      await ensureDigestTickScheduler(digestsQueue);
      await ensureSourcePollTickScheduler(sourcePollsQueue);
    },
    async missing(): Promise<string[]> {
      const found = await Promise.all([
        digestsQueue.getJobScheduler(DIGEST_TICK_SCHEDULER_ID),
        sourcePollsQueue.getJobScheduler(SOURCE_POLL_TICK_SCHEDULER_ID),
      ]);
      return [DIGEST_TICK_SCHEDULER_ID, SOURCE_POLL_TICK_SCHEDULER_ID].filter((_, i) => !found[i]);
    },
  };

  subscriptionMailsWorker.on('completed', (_job, result) => {
    if (result === 'moot') mails.confirmation.skipped();
  });
  workerMetrics({
    registry,
    db,
    queues,
    processors,
    schedulers: { ids: [DIGEST_TICK_SCHEDULER_ID, SOURCE_POLL_TICK_SCHEDULER_ID], missing: schedulers.missing },
    now,
  });

  const app = createWorkerApp({
    db,
    redis,
    redisErrors,
    logger,
    registry,
    queues,
    extraReadinessChecks: [
      {
        name: 'schedulers',
        check: async () => {
          const missing = await schedulers.missing();
          if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
        },
      },
    ],
  });

  // A Redis that restarted empty has lost the schedulers: they are put back on every reconnect and
  // checked on an interval (upserting a scheduler is idempotent, so every instance may do it).
  const keepSchedulers = (): void => {
    schedulers.ensure().catch((error: unknown) => redisErrors.report('job schedulers', error));
  };
  // The jobs the database can rebuild: a delivery job per pending webhook delivery, a go-live job
  // per scheduled post. Idempotent (job ids), so every start and every Redis reconnect may run it.
  const restoreJobs = async (): Promise<void> => {
    const pendingDeliveries = await restoreWebhookDeliveryJobs(db, webhookDeliveriesQueue);
    if (pendingDeliveries > 0) logger.info({ deliveries: pendingDeliveries }, 'webhook deliveries: jobs in place');
    const restored = await restoreGoLiveJobs(db.kysely, goesLiveQueue, now());
    if (restored > 0) logger.info({ posts: restored }, 'scheduled posts: go-live jobs in place');
  };
  // After a reconnect Redis may have come back empty: schedulers and rebuildable jobs go back.
  const onRedisReady = (): void => {
    keepSchedulers();
    restoreJobs().catch((error: unknown) => redisErrors.report('job restore', error));
  };
  let schedulerTimer: NodeJS.Timeout | undefined;
  const nudgeChannel = outboxNudgeChannel(prefix);
  const onNudge = (channel: string): void => {
    if (channel === nudgeChannel) relay.kick();
  };

  return {
    app,
    processors,
    queues,
    schedulers,
    async start() {
      for (const problem of await redisSettingsProblems(redis)) {
        logger.warn({ problem }, 'Redis is not configured as BullMQ needs; see docs/operations.md');
      }
      // Destinations created before secrets were encrypted: sealed now (migrations have no key).
      const sealed = await sealPlaintextWebhookSecrets(db, deps.webhookSecretsKey);
      if (sealed > 0) logger.info({ secrets: sealed }, 'webhook secrets stored in plaintext: encrypted');
      await restoreJobs();
      await schedulers.ensure();
      redis.on('ready', onRedisReady);
      schedulerTimer = setInterval(keepSchedulers, deps.schedulerCheckIntervalMs ?? 30_000);
      schedulerTimer.unref();

      deps.subscriber.on('message', onNudge);
      await deps.subscriber.subscribe(nudgeChannel);
      relay.start();

      // The index is shared in the database: starting reads its state only. A first start on
      // posts never indexed, or after an upgrade of the ranking, fills it in the background in
      // the thread while the queues work (syncs return at once meanwhile). A failed start is
      // retried by the next sync.
      relatedPosts
        .init()
        .catch((error: unknown) => logger.error({ err: error }, 'related posts: loading the index failed'));
    },
    async close() {
      clearInterval(schedulerTimer);
      redis.off('ready', onRedisReady);
      deps.subscriber.off('message', onNudge);
      await relay.stop();
      // Stop taking jobs at once, and let the jobs in progress finish (BullMQ hands unfinished ones
      // to another worker otherwise): a digest or webhook begun is sent and recorded before the
      // exit, and none begins after the signal.
      const processorsClosed = Promise.all([...processors.map((processor) => processor.close()), websub.close()]);
      // Awaited below; a failure meanwhile is not an unhandled rejection.
      processorsClosed.catch(() => undefined);
      // Meanwhile a post event in progress may be waiting for a sync queued behind a fill's full
      // recompute (minutes at 100,000 posts) or a re-weigh round. Ending the thread fails that
      // sync, and BullMQ retries the event.
      await relatedPosts.close();
      await processorsClosed;
      // After the last announcement; feeds still queued are left to nginx's own revalidation.
      await feedCacheRefresher?.close();
      await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    },
  };
}

/** Outbox gauges: events not yet handed to the queue, and the age of the oldest (the relay's lag). */
function outboxMetrics(registry: Registry, db: Db, now: () => Date): void {
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Domain events written but not yet on the queue',
    registers: [registry],
    async collect() {
      this.set(await countPendingOutboxEvents(db.kysely));
    },
  });
  new Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest event not yet on the queue (0 when none waits)',
    registers: [registry],
    async collect() {
      const oldest = await oldestPendingOutboxEventAt(db.kysely);
      this.set(oldest ? Math.max(0, (now().getTime() - Date.parse(oldest)) / 1000) : 0);
    },
  });
}
