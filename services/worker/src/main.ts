import { loadConfig, resolveWebhookSecretsKey } from '@careerfeed/config';
import { assertMigrated, createDb, readSubscriptionTokenKey } from '@careerfeed/db';
import { createMailer } from '@careerfeed/digests';
import { closeServer, createLogger, exitOnStartupError, handleShutdownSignals, listen } from '@careerfeed/http';
import { RedisErrors, createRedisConnection } from '@careerfeed/jobs';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const db = createDb(config.databaseUrl, {
    backgroundCheckpoints: true,
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects'),
  });
  await assertMigrated(db);

  const redisErrors = new RedisErrors(logger);
  const redis = createRedisConnection(config.redisUrl, 'worker', redisErrors);
  const subscriber = createRedisConnection(config.redisUrl, 'worker', redisErrors);
  const mailer = await createMailer(config);
  const worker = createWorker({
    settings: config,
    db,
    redis,
    subscriber,
    redisErrors,
    mailer,
    logger,
    tokenKey: await readSubscriptionTokenKey(db.kysely),
    webhookSecretsKey: resolveWebhookSecretsKey(config),
  });
  await worker.start();
  const server = await listen(worker.app, config.host, config.ports.worker);
  logger.info({ url: `http://${config.host}:${config.ports.worker}` }, 'worker listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    await worker.close();
    await mailer.close();
    subscriber.disconnect();
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('worker', error));
