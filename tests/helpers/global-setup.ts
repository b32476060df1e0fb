import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startRedisServer } from './redis-server';

/**
 * Runs once before all test files: compiles the workspaces (CLI and start-up tests run the built
 * output as real child processes) and starts a private redis-server on a free port, so a test run
 * never touches the machine's Redis or another run's keys.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.join(__dirname, '..', '..');
  // SKIP_BUILD=1 saves the compile when iterating on in-process tests; child-process tests then run
  // whatever dist/ holds.
  if (process.env.SKIP_BUILD !== '1') {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
  }
  const redis = await startRedisServer();
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  (globalThis as { __testRedis?: typeof redis }).__testRedis = redis;
}
