import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { type Config, loadConfig, redactUrl } from '@careerfeed/config';
import { createDb, migrateToLatest } from '@careerfeed/db';

/**
 * `npm start`: migrates, makes sure Redis answers (starting a private redis-server under DATA_DIR
 * when none does and one is installed), then runs ingest, feed and worker as child processes with
 * their logs on this stdout. SIGINT/SIGTERM stop all of them gracefully; if one dies, all stop.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const SERVICES = ['ingest', 'feed', 'worker'] as const;
const STOP_GRACE_MS = 15_000;

function say(message: string): void {
  process.stdout.write(`[careerfeed] ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`[careerfeed] ${message}\n`);
  process.exit(1);
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1500,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Starts redis-server for REDIS_URL's host and port, keeping its data (AOF) under DATA_DIR/redis. */
async function startPrivateRedis(config: Config): Promise<ChildProcess> {
  const url = new URL(config.redisUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    fail(
      `No Redis answers at ${redactUrl(config.redisUrl)}, and it is not on this machine, so none can be started for it. Check REDIS_URL.`,
    );
  }
  const dir = path.join(config.dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const port = url.port || '6379';
  say(
    `no Redis answers at ${redactUrl(config.redisUrl)}: starting a private redis-server on port ${port} (data in ${dir})`,
  );
  const child = spawn(
    'redis-server',
    [
      '--port',
      port,
      '--bind',
      host === 'localhost' ? '127.0.0.1' : host,
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { stdio: 'ignore', detached: true },
  );
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(config.redisUrl))) {
    if (child.exitCode !== null || Date.now() > deadline)
      fail(`the private redis-server did not start; see ${path.join(dir, 'redis.log')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  fs.mkdirSync(config.dataDir, { recursive: true });

  const db = createDb(config.databaseUrl, { poolSize: 1 });
  try {
    const result = await migrateToLatest(db);
    say(
      `database ${redactUrl(config.databaseUrl)}: ${result.results?.length ? `${result.results.length} migration(s) applied` : 'schema up to date'}`,
    );
  } catch (error) {
    fail(`cannot migrate the database: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await db.close();
  }

  let privateRedis: ChildProcess | undefined;
  if (!(await redisAnswers(config.redisUrl))) {
    if (!onPath('redis-server')) {
      fail(
        `No Redis answers at ${redactUrl(config.redisUrl)} and redis-server is not installed.\n` +
          '  Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run npm start again,\n' +
          '  or point REDIS_URL at a running Redis (e.g. docker run -p 6379:6379 redis:7).',
      );
    }
    privateRedis = await startPrivateRedis(config);
  }

  // Children get the resolved locations, so a relative DATA_DIR means the same folder to all.
  const env = {
    ...process.env,
    DATA_DIR: config.dataDir,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
  };
  const children = SERVICES.map((service) => {
    // Own process group: a terminal's Ctrl-C reaches only this launcher, which stops the services
    // in order (services first, Redis last). The IPC channel closes if the launcher itself dies,
    // and the services take that as a signal to stop, so none is left orphaned.
    const child = spawn(process.execPath, [path.join(ROOT, 'services', service, 'dist', 'main.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    return { service, child };
  });

  let stopping = false;
  const stopAll = async (exitCode: number): Promise<never> => {
    if (stopping) process.exit(exitCode);
    stopping = true;
    for (const { child } of children) child.kill('SIGTERM');
    await Promise.all(children.map(({ child }) => waitForExit(child, STOP_GRACE_MS)));
    if (privateRedis) {
      privateRedis.kill('SIGTERM');
      await waitForExit(privateRedis, STOP_GRACE_MS);
    }
    say('stopped');
    process.exit(exitCode);
  };

  for (const { service, child } of children) {
    child.on('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`[careerfeed] ${service} exited (${signal ?? `code ${code}`}); stopping the others\n`);
      void stopAll(1);
    });
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  say(
    `running: ingest http://${config.host}:${config.ports.ingest}  feed http://${config.host}:${config.ports.feed}  worker http://${config.host}:${config.ports.worker}`,
  );
}

void main();
