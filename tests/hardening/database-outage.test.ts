import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import supertest from 'supertest';
import { createApiKey } from '@careerfeed/http';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { ROOT, baseEnv, exited } from '../helpers/processes';
import { freePort, waitForPort } from '../helpers/redis-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The real ingest service (built, as a child process) on a private PostgreSQL database, while an
 * admin connection terminates every backend of that database in the middle of a stream of posts:
 * the process lives on, every answer is a success or a 503 with Retry-After, and the pool
 * reconnects by itself.
 */
describe('a dropped database connection never ends the ingest process', () => {
  let database: TestDatabase;
  let child: ChildProcess;
  let output = '';
  let port: number;
  let auth: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    auth = `Bearer ${(await createApiKey(database.db, 'outage', ['posts:write'])).key}`;
    port = await freePort();
    child = spawn(process.execPath, [path.join(ROOT, 'services/ingest/dist/main.js')], {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        DATABASE_URL: database.url,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        REDIS_PREFIX: `outage-${randomBytes(4).toString('hex')}`,
        INGEST_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForPort(port, 20_000);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await database?.drop();
  });

  async function terminateBackends(admin: Client): Promise<number> {
    const result = await admin.query(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [new URL(database.url).pathname.slice(1)],
    );
    return result.rowCount ?? 0;
  }

  test('when every backend is terminated while posts arrive, then answers are 201 or 503 with Retry-After, the process lives, and it recovers', async () => {
    const ingest = supertest(`http://127.0.0.1:${port}`);
    const admin = new Client({
      connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await admin.connect();
    const responses: supertest.Response[] = [];
    let stop = false;
    const senders = Array.from({ length: 6 }, async () => {
      while (!stop) responses.push(await ingest.post('/v1/posts').set('Authorization', auth).send(buildPost()));
    });
    let terminated = 0;
    try {
      for (let round = 0; round < 8; round++) {
        await sleep(150);
        terminated += await terminateBackends(admin);
      }
    } finally {
      stop = true;
      await Promise.all(senders);
      await admin.end();
    }

    expect(terminated).toBeGreaterThan(0);
    expect(responses.length).toBeGreaterThan(10);
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    for (const response of responses.filter((r) => r.status === 503)) {
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('DATABASE_UNAVAILABLE');
    }
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();

    await sleep(5000);
    const later = await ingest.post('/v1/posts').set('Authorization', auth).send(buildPost());
    expect(later.status).toBe(201);
    expect(child.exitCode).toBeNull();
    expect(output).not.toMatch(/uncaught|unhandled/i);
  }, 60_000);
});
