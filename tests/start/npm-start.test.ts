import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { freePort, waitForPort } from '../helpers/redis-server';
import { FIXTURE, ROOT, baseEnv, exited, runCli, runNode } from '../helpers/processes';
import { waitFor } from '../helpers/wait';

/**
 * What a new user does on a fresh clone: `npm start` (here its launcher directly; `npm start` only
 * adds `tsc -b`, which jest's global setup has already run), create a key, post, read back.
 * Nothing answers on REDIS_URL, so the launcher must start a private redis-server under DATA_DIR.
 */
describe('npm start on an empty machine', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let launcher: ChildProcess;
  let output = '';
  let ports: { ingest: number; feed: number; worker: number; redis: number };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-start-'));
    ports = { ingest: await freePort(), feed: await freePort(), worker: await freePort(), redis: await freePort() };
    env = {
      ...baseEnv(),
      DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
      INGEST_PORT: String(ports.ingest),
      FEED_PORT: String(ports.feed),
      WORKER_PORT: String(ports.worker),
      LOG_LEVEL: 'info',
    };
    launcher = spawn(process.execPath, [path.join(ROOT, 'services/cli/dist/start.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await Promise.all([
      waitForPort(ports.ingest, 20_000),
      waitForPort(ports.feed, 20_000),
      waitForPort(ports.worker, 20_000),
    ]);
  });

  afterAll(async () => {
    if (launcher.exitCode === null) {
      launcher.kill('SIGKILL');
      await exited(launcher);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('when started, then all three services report healthy, with the private Redis and SQLite under DATA_DIR', async () => {
    const readyChecks = { database: 'ok', redis: 'ok', queues: 'ok' };
    for (const [port, checks] of [
      [ports.ingest, readyChecks],
      [ports.feed, readyChecks],
      // The worker is ready only once its job schedulers exist.
      [ports.worker, { ...readyChecks, schedulers: 'ok' }],
    ] as const) {
      const health = await supertest(`http://127.0.0.1:${port}`).get('/healthz');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      const ready = await supertest(`http://127.0.0.1:${port}`).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ok', checks });
      const metrics = await supertest(`http://127.0.0.1:${port}`).get('/metrics');
      expect(metrics.text).toContain('process_resident_memory_bytes');
    }
    // The related index's full recomputes are watched from the worker's metrics.
    const workerMetrics = await supertest(`http://127.0.0.1:${ports.worker}`).get('/metrics');
    expect(workerMetrics.text).toContain('# TYPE related_rebuild_duration_seconds histogram');
    expect(output).toContain('starting a private redis-server');
    expect(fs.existsSync(path.join(dataDir, 'careerfeed.db'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'redis'))).toBe(true);
  });

  test('when a user creates a key and posts, then the post reads back and the worker receives its event', async () => {
    const created = await runCli(['keys', 'create', '--name', 'first-user'], { DATA_DIR: dataDir });
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split('\n').pop()!;
    const ingest = supertest(`http://127.0.0.1:${ports.ingest}`);

    const posted = await ingest
      .post('/v1/posts')
      .set('Authorization', `Bearer ${key}`)
      .send({
        title: 'Welcome to the career blog',
        html: '<p>Hello, students and alumni.</p>',
        author: { slug: 'staff', name: 'Career Center Staff' },
      });
    expect(posted.status).toBe(201);

    const read = await ingest.get(`/v1/posts/${posted.body.id}`).set('Authorization', `Bearer ${key}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      slug: 'welcome-to-the-career-blog',
      title: 'Welcome to the career blog',
      status: 'published',
    });

    await waitFor(
      async () => {
        const metrics = await supertest(`http://127.0.0.1:${ports.worker}`).get('/metrics');
        return /post_events_processed_total\{type="post.published"[^}]*\} 1/.test(metrics.text);
      },
      15_000,
      'the worker never processed the post.published event',
    );

    const dashboard = await supertest(`http://127.0.0.1:${ports.worker}`)
      .get('/admin/queues')
      .set('Authorization', `Bearer ${key}`);
    expect(dashboard.status).toBe(403); // a posts:write key is not an admin key
  });

  test('when the sample blog is imported, then the public JSON feed shows each post with its related posts', async () => {
    const imported = await runCli(['import', FIXTURE], { DATA_DIR: dataDir });
    expect(imported.code).toBe(0);
    const feed = supertest(`http://127.0.0.1:${ports.feed}`);
    await waitFor(
      async () => {
        const response = await feed.get('/feed.json?limit=100');
        const items = JSON.parse(response.text).items as { _careerfeed: { related: unknown[] } }[];
        return items.length === 49 && items.every((item) => item._careerfeed.related.length === 3);
      },
      20_000,
      'the feed never showed three related posts on every item',
    );
    const response = await feed.get('/feed.json').set('Origin', 'https://careers.dept.example.edu');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    const item = JSON.parse(response.text).items[0];
    expect(item.id).toMatch(/^urn:uuid:/);
    for (const related of item._careerfeed.related) expect(related.url).toMatch(/^http:\/\/localhost:3002\/posts\//);
  });

  test('when sent SIGTERM, then every service and the private Redis stop and the launcher exits 0', async () => {
    launcher.kill('SIGTERM');
    const { code } = await exited(launcher);
    expect(code).toBe(0);
    for (const port of [ports.ingest, ports.feed, ports.worker, ports.redis]) {
      await expect(waitForPort(port, 200)).rejects.toThrow();
    }
    expect(output).toContain('[careerfeed] stopped');
  });
});

describe('npm start without Redis', () => {
  test('when nothing answers on REDIS_URL and redis-server is not installed, then it exits 1 saying how to get Redis', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-start-'));
    // A PATH with node only: no redis-server to start.
    const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bin-'));
    fs.symlinkSync(process.execPath, path.join(binDir, 'node'));
    try {
      const result = await runNode([path.join(ROOT, 'services/cli/dist/start.js')], {
        PATH: binDir,
        DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('redis-server is not installed');
      expect(result.stderr).toContain('apt-get install redis-server');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(binDir, { recursive: true, force: true });
    }
  });

  test('when a port variable is invalid, then it exits 1 naming the variable before starting anything', async () => {
    const result = await runNode([path.join(ROOT, 'services/cli/dist/start.js')], {
      INGEST_PORT: '99999',
      DATA_DIR: os.tmpdir(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('INGEST_PORT');
  });
});
