import { loadConfig } from '@careerfeed/config';
import { assertMigrated, createDb } from '@careerfeed/db';
import { closeServer, createLogger, exitOnStartupError, handleShutdownSignals, listen } from '@careerfeed/http';
import { createRedisConnection } from '@careerfeed/jobs';
import { createFeedApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('feed', config.logLevel);
  const db = createDb(config.databaseUrl);
  await assertMigrated(db);
  const redis = createRedisConnection(config.redisUrl, 'producer');

  const app = createFeedApp({ db, redis, logger, publicBaseUrl: config.publicBaseUrl });
  const server = await listen(app, config.host, config.ports.feed);
  logger.info({ url: `http://${config.host}:${config.ports.feed}` }, 'feed listening');

  handleShutdownSignals(logger, async () => {
    await closeServer(server);
    redis.disconnect();
    await db.close();
  });
}

main().catch((error: unknown) => exitOnStartupError('feed', error));
