import { loadConfig, resolveWebhookSecretsKey } from '@careerfeed/config';
import { assertMigrated, createDb } from '@careerfeed/db';
import { closeServer, createLogger, exitOnStartupError, handleShutdownSignals, listen } from '@careerfeed/http';
import {
  createCommentMailQueue,
  createFeedCacheRefresher,
  RedisErrors,
  createRedisConnection,
  nudgeOutboxRelays,
  openSourcePollsQueue,
  openWebhookDeliveriesQueue,
} from '@careerfeed/jobs';
import { createMailer } from '@careerfeed/digests';
import { sealPlaintextWebhookSecrets } from '@careerfeed/sharing';
import { createIngestApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('ingest', config.logLevel);
  const db = createDb(config.databaseUrl, {
    backgroundCheckpoints: true,
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects'),
  });
  await assertMigrated(db);
  const webhookSecretsKey = resolveWebhookSecretsKey(config);
  const sealed = await sealPlaintextWebhookSecrets(db, webhookSecretsKey);
  if (sealed > 0) logger.info({ secrets: sealed }, 'webhook secrets stored in plaintext: encrypted');

  // Posts must be accepted while Redis is down, so nothing on the request path waits for it: the
  // producer connection fails fast. Events leave through the outbox, relayed by the workers.
  const redisErrors = new RedisErrors(logger);
  const redis = createRedisConnection(config.redisUrl, 'producer', redisErrors);
  const sourcePolls = openSourcePollsQueue(redis, config.redisPrefix);
  // Replays of dead webhook deliveries go straight onto the worker's queue.
  const webhookDeliveries = openWebhookDeliveriesQueue(redis, config.redisPrefix);
  const commentMails = createCommentMailQueue(redis, config.redisPrefix);

  const feedCacheRefresher = config.feedCacheRefreshUrl
    ? createFeedCacheRefresher({ refreshUrl: config.feedCacheRefreshUrl, publicBaseUrl: config.publicBaseUrl, logger })
    : undefined;

  // The console mails sign-in links the way digests go out: SMTP_URL, or .eml files in DATA_DIR/outbox.
  const mailer = await createMailer(
    { smtpUrl: config.smtpUrl, dataDir: config.dataDir, dkim: config.dkim },
    { maxConnections: 1 },
  );

  const app = createIngestApp({
    db,
    redis,
    redisErrors,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    onEventsWritten: () => nudgeOutboxRelays(redis, config.redisPrefix),
    allowPrivateNetworks: config.allowPrivateNetworks,
    sourcePolls,
    webhookDeliveries,
    webhookSecretsKey,
    commentMails,
    redisPrefix: config.redisPrefix,
    feedCacheRefresher,
    trustProxy: config.trustProxy,
    console: {
      consoleUrl: config.consoleUrl,
      queueDashboardUrl: config.queueDashboardUrl,
      mailer,
      mailFrom: config.mailFrom,
      dataDir: config.dataDir,
      redisPrefix: config.redisPrefix,
      share: { networks: config.share.networks, mastodon: config.share.mastodon },
    },
  });
  const server = await listen(app, config.host, config.ports.ingest);
  logger.info({ url: `http://${config.host}:${config.ports.ingest}` }, 'ingest listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    await feedCacheRefresher?.close();
    await sourcePolls.close().catch(() => undefined);
    await commentMails.close().catch(() => undefined);
    await webhookDeliveries.close().catch(() => undefined);
    redis.disconnect();
    await mailer.close().catch(() => undefined);
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('ingest', error));
