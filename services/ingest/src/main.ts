import { Queue } from 'bullmq';
import { loadConfig } from '@careerfeed/config';
import { assertMigrated, createDb } from '@careerfeed/db';
import { closeServer, createLogger, exitOnStartupError, handleShutdownSignals, listen } from '@careerfeed/http';
import {
  POST_EVENTS_QUEUE,
  WEBHOOK_DELIVERIES_QUEUE,
  createRedisConnection,
  openSourcePollsQueue,
} from '@careerfeed/jobs';
import { createIngestApp } from './app';
import { createOutboxRelay } from './outbox/outbox-relay';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('ingest', config.logLevel);
  const db = createDb(config.databaseUrl, { backgroundCheckpoints: true });
  await assertMigrated(db);

  // Posts must be accepted while Redis is down, so nothing on the request path waits for it:
  // the producer connection fails fast and the relay retries in the background.
  const redis = createRedisConnection(config.redisUrl, 'producer');
  const queue = new Queue(POST_EVENTS_QUEUE, {
    connection: redis,
    prefix: config.redisPrefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  queue.on('error', () => undefined);
  const relay = createOutboxRelay({ db, queue, logger });

  const sourcePolls = openSourcePollsQueue(redis, config.redisPrefix);
  // Replays of dead webhook deliveries go straight onto the worker's queue.
  const webhookDeliveries = new Queue(WEBHOOK_DELIVERIES_QUEUE, { connection: redis, prefix: config.redisPrefix });
  webhookDeliveries.on('error', () => undefined);

  const app = createIngestApp({
    db,
    redis,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    onEventsWritten: relay.kick,
    allowPrivateNetworks: config.allowPrivateNetworks,
    sourcePolls,
    webhookDeliveries,
  });
  const server = await listen(app, config.host, config.ports.ingest);
  relay.start();
  logger.info({ url: `http://${config.host}:${config.ports.ingest}` }, 'ingest listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    await relay.stop();
    await queue.close().catch(() => undefined);
    await sourcePolls.close().catch(() => undefined);
    await webhookDeliveries.close().catch(() => undefined);
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('ingest', error));
