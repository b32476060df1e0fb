import { Queue } from 'bullmq';
import { loadConfig } from '@careerfeed/config';
import { assertMigrated, createDb, readSubscriptionTokenKey } from '@careerfeed/db';
import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  exitOnStartupError,
  handleShutdownSignals,
  listen,
} from '@careerfeed/http';
import {
  POST_EVENTS_QUEUE,
  SUBSCRIPTION_MAILS_QUEUE,
  becomesVisible,
  createRedisConnection,
  openSourcePollsQueue,
} from '@careerfeed/jobs';
import { createWorkerApp } from './app';
import { createDigestContent } from './digests/digest-content';
import { ensureDigestTickScheduler, requestInstantRun } from './digests/digest-scheduler';
import { createDigestsWorker, digestMetrics, openDigestsQueue } from './digests/digests.worker';
import { createDigestSender } from './digests/send-digest.job';
import { type PostEventHandler, createPostEventsWorker } from './events/post-events.worker';
import { announceFeedChanges } from './feeds/feed-invalidation.publisher';
import { createMailer } from './mail/mailer';
import { createRelatedPostsMaintainer } from './related/related-posts.maintainer';
import { relatedRebuildMetrics } from './related/related-rebuild.metrics';
import {
  createGoLiveScheduler,
  createPostGoesLiveWorker,
  openPostGoesLiveQueue,
  restoreGoLiveJobs,
} from './scheduling/post-goes-live';
import {
  createSourcePollsWorker,
  ensureSourcePollTickScheduler,
  sourcePollMetrics,
} from './sources/source-polls.worker';
import { createSharePublisher, openWebhookDeliveriesQueue, restoreWebhookDeliveryJobs } from './shares/share-publisher';
import { createWebhookDeliveryWorker } from './shares/webhook-delivery.worker';
import { createSubscriptionMailsWorker } from './subscriptions/subscription-mails.worker';
import { createWebSubPublisher } from './websub/websub-ping';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const db = createDb(config.databaseUrl, { backgroundCheckpoints: true });
  await assertMigrated(db);

  const redis = createRedisConnection(config.redisUrl, 'worker');
  const registry = createMetricsRegistry('worker');
  const now = () => new Date();
  const mailer = await createMailer(config);
  const tokenKey = await readSubscriptionTokenKey(db.kysely);
  const digestsQueue = openDigestsQueue(redis, config.redisPrefix);

  // WebSub: only when a hub is configured (the operator's own setting, so no SSRF guard applies).
  const websub = createWebSubPublisher({
    hubUrl: config.websubHubUrl,
    publicBaseUrl: config.publicBaseUrl,
    connection: redis,
    prefix: config.redisPrefix,
    logger,
  });

  const webhookDeliveriesQueue = openWebhookDeliveriesQueue(redis, config.redisPrefix);
  const sharePayloads = createSharePublisher({
    db,
    queue: webhookDeliveriesQueue,
    publicBaseUrl: config.publicBaseUrl,
    networks: config.share.networks,
    limits: { mastodon: config.share.mastodon },
    maxAgeMs: config.share.maxAgeMs,
    now,
    logger,
  });
  const pendingDeliveries = await restoreWebhookDeliveryJobs(db, webhookDeliveriesQueue);
  if (pendingDeliveries > 0) logger.info({ deliveries: pendingDeliveries }, 'webhook deliveries: jobs in place');
  const webhookDeliveryWorker = createWebhookDeliveryWorker({
    connection: redis,
    prefix: config.redisPrefix,
    db,
    logger,
    registry,
    allowPrivateNetworks: config.allowPrivateNetworks,
    timeoutMs: config.webhookTimeoutMs,
  });

  // The index lives in a thread of its own (see related-posts.maintainer.ts); its full
  // recomputes change lists outside any post event, and are announced like a sync's changes.
  const observeRebuild = relatedRebuildMetrics(registry);
  const relatedPosts = createRelatedPostsMaintainer({
    databaseUrl: config.databaseUrl,
    k: config.relatedPostsCount,
    rebuildIntervalMs: config.relatedRebuildIntervalMs,
    logger,
    onRebuilt: async (outcome) => {
      observeRebuild(outcome);
      const { changed } = outcome;
      if (changed.length === 0) return;
      const scopes = await announceFeedChanges({ db, redis, prefix: config.redisPrefix }, null, changed);
      await websub.notify(`related-rebuild-${Date.now()}`, scopes);
    },
  });
  // Loading the index re-weighs every post, and after an upgrade of the ranking recomputes every
  // list: minutes at 100,000 posts. It runs in the thread while the queues start; post events
  // wait for it in their sync, digests and webhooks do not. A failed load is retried by the next
  // sync.
  relatedPosts
    .init()
    .catch((error: unknown) => logger.error({ err: error }, 'related posts: loading the index failed'));
  // What a post becoming visible sets off: run for each post event, and by the go-live job of a
  // scheduled post when its time comes (with a `post.published` event of the post as it is then).
  const publishEffects: PostEventHandler[] = [
    async (event) => {
      const changed = await relatedPosts.sync();
      const scopes = await announceFeedChanges({ db, redis, prefix: config.redisPrefix }, event, changed);
      await websub.notify(event.eventId, scopes);
    },
    async (event) => {
      // When readers can first see the post: a post scheduled for later reaches instant
      // subscribers through its go-live event, not its publish event.
      if (becomesVisible(event, now())) {
        await requestInstantRun(digestsQueue, now(), config.instantDigestDelaySeconds);
      }
    },
    // Rebuilds the post's share payloads on every change; delivers them once, when a fresh post
    // becomes visible (the same rule as instant digests, plus: not an import of old posts).
    sharePayloads,
  ];
  const goesLiveQueue = openPostGoesLiveQueue(redis, config.redisPrefix);
  const restored = await restoreGoLiveJobs(db.kysely, goesLiveQueue, now());
  if (restored > 0) logger.info({ posts: restored }, 'scheduled posts: go-live jobs in place');
  const postEventsWorker = createPostEventsWorker({
    connection: redis,
    prefix: config.redisPrefix,
    logger,
    registry,
    handlers: [...publishEffects, createGoLiveScheduler(goesLiveQueue, now)],
  });
  const goesLiveWorker = createPostGoesLiveWorker({
    connection: redis,
    prefix: config.redisPrefix,
    db,
    logger,
    handlers: publishEffects,
    now,
  });

  const mailSettings = {
    db,
    mailer,
    mailFrom: config.mailFrom,
    publicBaseUrl: config.publicBaseUrl,
    tokenKey,
    now,
    logger,
  };
  const sender = createDigestSender({
    ...mailSettings,
    content: createDigestContent({ db, publicBaseUrl: config.publicBaseUrl }),
    onOutcome: digestMetrics(registry),
  });
  const digestsWorker = createDigestsWorker({
    connection: redis,
    prefix: config.redisPrefix,
    logger,
    scheduler: { db, queue: digestsQueue, now, logger },
    sender,
    mailRatePerSecond: config.mailRatePerSecond,
  });
  const subscriptionMailsWorker = createSubscriptionMailsWorker({
    ...mailSettings,
    connection: redis,
    prefix: config.redisPrefix,
    mailRatePerSecond: config.mailRatePerSecond,
  });
  await ensureDigestTickScheduler(digestsQueue);

  // Partner feeds: the posts they bring are written like API posts (outbox events included), and
  // ingest's relay moves those events on.
  const sourcePollsQueue = openSourcePollsQueue(redis, config.redisPrefix);
  const sourcePollsWorker = createSourcePollsWorker({
    connection: redis,
    prefix: config.redisPrefix,
    queue: sourcePollsQueue,
    db,
    publicBaseUrl: config.publicBaseUrl,
    allowPrivateNetworks: config.allowPrivateNetworks,
    logger,
    now,
    onOutcome: sourcePollMetrics(registry),
  });
  await ensureSourcePollTickScheduler(sourcePollsQueue);

  const dashboardQueues = [
    new Queue(POST_EVENTS_QUEUE, { connection: redis, prefix: config.redisPrefix }),
    goesLiveQueue,
    digestsQueue,
    new Queue(SUBSCRIPTION_MAILS_QUEUE, { connection: redis, prefix: config.redisPrefix }),
    ...(websub.queue ? [websub.queue] : []),
    sourcePollsQueue,
    webhookDeliveriesQueue,
  ];

  const app = createWorkerApp({ db, redis, logger, registry, queues: dashboardQueues });
  const server = await listen(app, config.host, config.ports.worker);
  logger.info({ url: `http://${config.host}:${config.ports.worker}` }, 'worker listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    // First: a post event in progress may be waiting for a sync queued behind a full recompute
    // (minutes at 100,000 posts). Ending the thread fails that sync, and BullMQ retries the event.
    await relatedPosts.close();
    // Lets the jobs in progress finish; BullMQ hands unfinished ones to another worker otherwise.
    await Promise.all([
      postEventsWorker.close(),
      goesLiveWorker.close(),
      digestsWorker.close(),
      subscriptionMailsWorker.close(),
      websub.close(),
      sourcePollsWorker.close(),
      webhookDeliveryWorker.close(),
    ]);
    await Promise.all(dashboardQueues.map((queue) => queue.close()));
    await mailer.close();
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('worker', error));
