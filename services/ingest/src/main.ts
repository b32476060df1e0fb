import { loadConfig, resolveWebhookSecretsKey } from '@careerfeed/config';
import { assertMigrated, createDb } from '@careerfeed/db';
import { closeServer, createLogger, exitOnStartupError, handleShutdownSignals, listen } from '@careerfeed/http';
import {
  createCommentMailQueue,
  RedisErrors,
  createRedisConnection,
  nudgeOutboxRelays,
  openSourcePollsQueue,
  openWebhookDeliveriesQueue,
} from '@careerfeed/jobs';
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
  });
  const server = await listen(app, config.host, config.ports.ingest);
  logger.info({ url: `http://${config.host}:${config.ports.ingest}` }, 'ingest listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    await sourcePolls.close().catch(() => undefined);
    await commentMails.close().catch(() => undefined);
    await webhookDeliveries.close().catch(() => undefined);
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('ingest', error));
