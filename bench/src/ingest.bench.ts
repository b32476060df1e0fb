/**
 * `npm run bench:ingest`: posts per second and latency of creating posts, over HTTP against the
 * real ingest service (a child process, as in production) and straight through the service layer
 * in this process, on SQLite and on PostgreSQL. Results are JSON lines on stdout; progress and
 * errors go to stderr. See bench/README.md for the settings and how to read the figures.
 */
import { createOutboxRelay, createPost, createPostSchema, upsertAuthor } from '@careerfeed/posts';
import { createApiKey } from '@careerfeed/http';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { htmlToPlainText, sanitizePostHtml } from '@careerfeed/core';
import { type Dialect, createDb } from '@careerfeed/db';
import { POST_EVENTS_QUEUE, createRedisConnection } from '@careerfeed/jobs';
import { benchRedisErrors } from './support/redis-errors';
import { Cleanup } from './support/cleanup';
import { SetupError, describeError } from './support/errors';
import { request } from './support/http-client';
import { type LoadResult, type Summary, round, runLoad, summarize, timeSync } from './support/load';
import { type Fixture, type PostInput, authorBody, buildPostInput, loadFixture } from './support/posts';
import { freePort, processCpuMs, sleep, spawnManaged, startRedisServer, waitForHealthy } from './support/processes';
import { type Store, assertPostgresReachable, createStore, storeCounts } from './support/stores';
import { intSettingsReader } from './support/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const INGEST_MAIN = path.join(ROOT, 'services', 'ingest', 'dist', 'main.js');
// Both paths must sanitize against the same base URL, so it is fixed rather than inherited.
const PUBLIC_BASE_URL = 'http://localhost:3002';

interface Settings {
  posts: number;
  concurrency: number;
  warmup: number;
  dbs: Dialect[];
  pgAdminUrl: string;
  fixture: string;
  /** Posts per request of the batch path (`POST /v1/posts:batch`). */
  batchSize: number;
  /** When set, the ingest child runs with --cpu-prof and writes its profile here on shutdown. */
  cpuProfDir: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const dbs = (env.BENCH_DBS || 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = dbs.filter((db) => db !== 'sqlite' && db !== 'postgres');
  if (unknown.length > 0 || dbs.length === 0)
    problems.push(`BENCH_DBS: a comma-separated list of sqlite, postgres (got ${JSON.stringify(env.BENCH_DBS)})`);
  const settings: Settings = {
    posts: int('BENCH_POSTS', 10_000, 1, 1_000_000),
    concurrency: int('BENCH_CONCURRENCY', 16, 1, 1024),
    warmup: int('BENCH_WARMUP', 200, 0, 100_000),
    dbs: [...new Set(dbs)] as Dialect[],
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    batchSize: int('BENCH_BATCH_SIZE', 500, 1, 500),
    fixture: path.resolve(env.BENCH_FIXTURE || path.join(ROOT, 'fixtures', 'sample-blog.json')),
    cpuProfDir: env.BENCH_CPU_PROF_DIR ? path.resolve(env.BENCH_CPU_PROF_DIR) : undefined,
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

class SettingsError extends Error {
  constructor(problems: string[]) {
    super(`Invalid bench settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

interface Context {
  settings: Settings;
  cleanup: Cleanup;
  tmpDir: string;
  redisUrl: string;
  fixture: Fixture;
  /** Warm-up posts first, then the measured ones; index i of `inputs` and `bodies` is the same post. */
  inputs: PostInput[];
  bodies: string[];
  /** Aborted by SIGINT/SIGTERM: no new phase starts and running loads stop. */
  interrupt: AbortSignal;
}

interface Measurement {
  result: LoadResult;
  summary: Summary;
  stored: number;
  outboxPending: number;
  /** CPU ms per measured post, by process; absent where it cannot be read. */
  cpu: Record<string, number | undefined>;
}

function cpuPerPost(before: number | undefined, after: number | undefined, posts: number): number | undefined {
  return before === undefined || after === undefined || posts === 0 ? undefined : round((after - before) / posts, 3);
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function note(message: string): void {
  process.stderr.write(`[bench:ingest] ${message}\n`);
}

/** Other work on the machine skews every figure; say how busy it was. */
function loadNote(): string {
  return `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

function assertNotInterrupted(ctx: { interrupt: AbortSignal }): void {
  if (ctx.interrupt.aborted) throw new Interrupted();
}

function assertWarmupClean(result: LoadResult, what: string): void {
  if (result.errors > 0)
    throw new Error(
      `${what}: ${result.errors} of ${result.attempted} warm-up posts failed; first: ${result.firstError}`,
    );
}

interface IngestChild {
  port: number;
  agent: http.Agent;
  headers: Record<string, string>;
  pid: number | undefined;
  store: Store;
  stop(): Promise<void>;
}

/** `node services/ingest/dist/main.js` on a fresh database with the fixture's authors, ready for posts. */
async function startIngestChild(ctx: Context, dialect: Dialect, name: string): Promise<IngestChild> {
  const { settings, cleanup } = ctx;
  const store = await createStore(cleanup, dialect, `${dialect}_${name}`, {
    dir: ctx.tmpDir,
    pgAdminUrl: settings.pgAdminUrl,
  });
  const key = await withDb(store, async (db) => (await createApiKey(db, 'bench', ['posts:write'])).key);

  const port = await freePort();
  // Node's default file names (one per thread, with pid and thread id) inside a directory per database.
  const nodeArgs = settings.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(settings.cpuProfDir, `ingest-${dialect}-${name}`)}`]
    : [];
  const ingest = spawnManaged(cleanup, 'ingest', process.execPath, [...nodeArgs, INGEST_MAIN], {
    // Not the repository root: a developer's .env there must not change what is measured.
    cwd: ctx.tmpDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: ctx.tmpDir,
      DATABASE_URL: store.url,
      REDIS_URL: ctx.redisUrl,
      REDIS_PREFIX: `bench-${dialect}-${name}`,
      HOST: '127.0.0.1',
      INGEST_PORT: String(port),
      PUBLIC_BASE_URL,
      LOG_LEVEL: 'warn',
    },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.concurrency });
  const stop = async () => {
    agent.destroy();
    await ingest.stop();
  };
  try {
    await waitForHealthy(port, ingest);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    for (const author of ctx.fixture.authors) {
      const authorPath = `/v1/authors/${author.slug}`;
      const res = await request(agent, {
        port,
        method: 'PUT',
        path: authorPath,
        headers,
        body: JSON.stringify(authorBody(author)),
      });
      if (res.status !== 200 && res.status !== 201)
        throw new Error(`PUT ${authorPath} → ${res.status}: ${res.body.slice(0, 500)}`);
    }
    return { port, agent, headers, pid: ingest.child.pid, store, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The real service over keep-alive HTTP, one post per `POST /v1/posts`. */
async function measureHttp(ctx: Context, dialect: Dialect): Promise<Measurement> {
  const { settings } = ctx;
  const child = await startIngestChild(ctx, dialect, 'http');
  const { port, agent, headers } = child;
  try {
    const send = async (index: number) => {
      const res = await request(agent, { port, method: 'POST', path: '/v1/posts', headers, body: ctx.bodies[index] });
      if (res.status !== 201) throw new Error(`POST /v1/posts → ${res.status}: ${res.body.slice(0, 500)}`);
    };
    const options = { signal: ctx.interrupt };
    assertWarmupClean(await runLoad(settings.warmup, settings.concurrency, send, options), `${dialect}/http`);
    assertNotInterrupted(ctx);
    const serverBefore = processCpuMs(child.pid);
    const clientBefore = ownCpuMs();
    const result = await runLoad(settings.posts, settings.concurrency, (i) => send(settings.warmup + i), options);
    assertNotInterrupted(ctx);
    const cpu = {
      // On PostgreSQL the database's own work is in its server processes, not in these figures.
      server_cpu_ms_per_post: cpuPerPost(serverBefore, processCpuMs(child.pid), result.attempted),
      client_cpu_ms_per_post: cpuPerPost(clientBefore, ownCpuMs(), result.attempted),
    };
    // Read while the service still runs: a backlog here means the relay fell behind the writes.
    const counts = await storeCounts(child.store);
    return { result, summary: summarize(result), stored: counts.posts, outboxPending: counts.outboxPending, cpu };
  } finally {
    await child.stop();
  }
}

/**
 * The same posts through `POST /v1/posts:batch`, `batchSize` per request, two requests in flight
 * (a batch is one transaction: more in flight only queue on the write lock). Latency figures are
 * per request; posts_per_s counts posts.
 */
async function measureHttpBatch(ctx: Context, dialect: Dialect): Promise<Measurement> {
  const { settings } = ctx;
  const child = await startIngestChild(ctx, dialect, 'batch');
  const { port, agent, headers } = child;
  const size = settings.batchSize;
  const batchBody = (first: number, count: number) => `{"posts":[${ctx.bodies.slice(first, first + count).join(',')}]}`;
  try {
    const sendBatch = async (first: number, count: number) => {
      const res = await request(agent, {
        port,
        method: 'POST',
        path: '/v1/posts:batch',
        headers,
        body: batchBody(first, count),
      });
      if (res.status !== 207) throw new Error(`POST /v1/posts:batch → ${res.status}: ${res.body.slice(0, 500)}`);
      const failed = (JSON.parse(res.body) as { results: { status: number }[] }).results.filter(
        (r) => r.status !== 201,
      );
      if (failed.length > 0)
        throw new Error(`POST /v1/posts:batch: ${failed.length} items refused, first ${JSON.stringify(failed[0])}`);
    };
    const options = { signal: ctx.interrupt };
    const warmupBatches = Math.ceil(settings.warmup / size);
    assertWarmupClean(
      await runLoad(warmupBatches, 2, (b) => sendBatch(b * size, Math.min(size, settings.warmup - b * size)), options),
      `${dialect}/batch`,
    );
    assertNotInterrupted(ctx);
    const batches = Math.ceil(settings.posts / size);
    const serverBefore = processCpuMs(child.pid);
    const started = performance.now();
    const result = await runLoad(
      batches,
      2,
      (b) => sendBatch(settings.warmup + b * size, Math.min(size, settings.posts - b * size)),
      options,
    );
    const seconds = (performance.now() - started) / 1000;
    assertNotInterrupted(ctx);
    const cpu = { server_cpu_ms_per_post: cpuPerPost(serverBefore, processCpuMs(child.pid), settings.posts) };
    const counts = await storeCounts(child.store);
    const summary = { ...summarize(result), posts_per_s: round(settings.posts / seconds, 1) };
    return { result, summary, stored: counts.posts, outboxPending: counts.outboxPending, cpu };
  } finally {
    await child.stop();
  }
}

/**
 * `createPost(deps, input)` in this process with the same inputs and the same number in flight, on
 * a fresh database, with the outbox relay running as in main.ts: what is left of the HTTP path
 * without HTTP, auth, JSON and schema validation.
 */
async function measureService(ctx: Context, dialect: Dialect): Promise<Measurement> {
  const { settings, cleanup } = ctx;
  const store = await createStore(cleanup, dialect, `${dialect}_service`, {
    dir: ctx.tmpDir,
    pgAdminUrl: settings.pgAdminUrl,
  });
  const db = createDb(store.url);
  const redis = createRedisConnection(ctx.redisUrl, 'producer', benchRedisErrors);
  const queue = new Queue(POST_EVENTS_QUEUE, { connection: redis, prefix: `bench-${dialect}-service` });
  queue.on('error', () => undefined);
  const relay = createOutboxRelay({ db, queue });
  try {
    await waitForRedisReady(redis);
    relay.start();
    const deps = { db, publicBaseUrl: PUBLIC_BASE_URL, onEventsWritten: relay.kick };
    const at = new Date().toISOString();
    for (const author of ctx.fixture.authors)
      await upsertAuthor(db.kysely, { slug: author.slug, ...authorBody(author) }, at);
    const save = async (index: number) => {
      await createPost(deps, ctx.inputs[index]!);
    };
    const options = { yieldBetween: true, signal: ctx.interrupt };
    assertWarmupClean(await runLoad(settings.warmup, settings.concurrency, save, options), `${dialect}/service`);
    assertNotInterrupted(ctx);
    const cpuBefore = ownCpuMs();
    const result = await runLoad(settings.posts, settings.concurrency, (i) => save(settings.warmup + i), options);
    assertNotInterrupted(ctx);
    const cpu = { cpu_ms_per_post: cpuPerPost(cpuBefore, ownCpuMs(), result.attempted) };
    const counts = await storeCounts(store);
    return { result, summary: summarize(result), stored: counts.posts, outboxPending: counts.outboxPending, cpu };
  } finally {
    await relay.stop();
    await queue.close().catch(() => undefined);
    redis.disconnect();
    await db.close();
  }
}

async function waitForRedisReady(redis: { status: string }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (redis.status !== 'ready') {
    if (Date.now() > deadline)
      throw new Error(`Redis connection not ready after ${timeoutMs} ms (status ${redis.status})`);
    await sleep(20);
  }
}

async function withDb<T>(store: Store, work: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Emits the line of one measurement; returns false when it is not a clean run. */
function report(ctx: Context, dialect: Dialect, pathName: 'http' | 'http_batch' | 'service', m: Measurement): boolean {
  const expected = ctx.settings.warmup + ctx.settings.posts;
  emit({
    bench: 'ingest',
    db: dialect,
    path: pathName,
    posts: pathName === 'http_batch' ? ctx.settings.posts : m.result.attempted,
    ...(pathName === 'http_batch' ? { requests: m.result.attempted, batch_size: ctx.settings.batchSize } : {}),
    concurrency: ctx.settings.concurrency,
    ...m.summary,
    ...m.cpu,
    errors: m.result.errors,
    stored: m.stored,
    outbox_pending: m.outboxPending,
  });
  note(`${dialect}/${pathName} done; ${loadNote()}`);
  let clean = true;
  if (m.result.errors > 0) {
    note(
      `${dialect}/${pathName}: ${m.result.errors} posts failed${m.result.aborted ? ' (run aborted)' : ''}; first: ${m.result.firstError}`,
    );
    clean = false;
  }
  if (m.stored !== expected && m.result.errors === 0) {
    note(`${dialect}/${pathName}: the store holds ${m.stored} posts, expected ${expected}`);
    clean = false;
  }
  return clean;
}

/**
 * What the pure steps of one post cost, each timed alone on this thread without I/O: parsing the
 * request body, validating it with the route's schema, and sanitizing plus plain-text extraction
 * (the CPU-heavy part of createPost). Compare with the per-post CPU figures above.
 */
function measureStages(ctx: Context): void {
  const measured = ctx.inputs.slice(ctx.settings.warmup);
  const measuredBodies = ctx.bodies.slice(ctx.settings.warmup);
  const warmup = Math.max(ctx.settings.warmup, 200);
  const base = `${PUBLIC_BASE_URL}/`;
  const stages: [string, () => { perSecond: number; meanUs: number; cpuUs: number }][] = [
    ['json_parse', () => timeSync(measuredBodies, warmup, (body) => JSON.parse(body))],
    ['validate', () => timeSync(measured, warmup, (input) => createPostSchema.safeParse(input).success)],
    ['sanitize', () => timeSync(measured, warmup, (input) => htmlToPlainText(sanitizePostHtml(input.html, base)))],
  ];
  for (const [name, run] of stages) {
    const { perSecond, meanUs, cpuUs } = run();
    emit({
      bench: 'ingest',
      path: name,
      posts: measured.length,
      posts_per_s: perSecond,
      mean_us: meanUs,
      cpu_us: cpuUs,
    });
  }
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    note(error instanceof Error ? error.message : String(error));
    return 2;
  }

  const cleanup = new Cleanup();
  process.once('exit', () => cleanup.runSyncFallback());
  // First signal: stop the load, let main() clean up and return. Second: clean up now and exit.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      note(`${signal}: stopping; children are stopped and databases dropped before exit`);
      interrupt.abort();
      return;
    }
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let ok = true;
  try {
    if (!fs.existsSync(INGEST_MAIN)) throw new SetupError(`${INGEST_MAIN} is missing; build first (npx tsc -b)`);
    const fixture = loadFixture(settings.fixture);
    if (settings.dbs.includes('postgres')) await assertPostgresReachable(settings.pgAdminUrl);

    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-'));
    const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
    cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);
    const redisDir = path.join(tmpDir, 'redis');
    fs.mkdirSync(redisDir);
    const redis = await startRedisServer(cleanup, redisDir);

    const total = settings.warmup + settings.posts;
    const inputs = Array.from({ length: total }, (_, i) => buildPostInput(fixture, i));
    // Serialised up front so the client spends its CPU on the connection, not on JSON.stringify.
    const bodies = inputs.map((input) => JSON.stringify(input));
    const meanBytes = Math.round(bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0) / bodies.length);
    const meanHtml = Math.round(inputs.reduce((sum, i) => sum + Buffer.byteLength(i.html), 0) / inputs.length);
    note(
      `${settings.posts} posts (+${settings.warmup} warm-up) at concurrency ${settings.concurrency} on ${settings.dbs.join(', ')}; ` +
        `mean request body ${meanBytes} B (html ${meanHtml} B); ${os.cpus().length} CPUs, Node ${process.version}, ${loadNote()}`,
    );
    const ctx: Context = {
      settings,
      cleanup,
      tmpDir,
      redisUrl: redis.url,
      fixture,
      inputs,
      bodies,
      interrupt: interrupt.signal,
    };

    for (const dialect of settings.dbs) {
      assertNotInterrupted(ctx);
      try {
        note(`${dialect}: HTTP…`);
        const overHttp = await measureHttp(ctx, dialect);
        ok = report(ctx, dialect, 'http', overHttp) && ok;
        note(`${dialect}: service…`);
        const direct = await measureService(ctx, dialect);
        ok = report(ctx, dialect, 'service', direct) && ok;
        note(`${dialect}: HTTP batches of ${settings.batchSize}…`);
        const batched = await measureHttpBatch(ctx, dialect);
        ok = report(ctx, dialect, 'http_batch', batched) && ok;
        const serverCpu = overHttp.cpu.server_cpu_ms_per_post;
        const serviceCpu = direct.cpu.cpu_ms_per_post;
        emit({
          bench: 'ingest',
          db: dialect,
          // Time per post over HTTP ÷ time per post in process (throughputs inverted).
          http_over_service: round(direct.summary.posts_per_s / overHttp.summary.posts_per_s, 2),
          p50_http_over_service: round(overHttp.summary.p50_ms / direct.summary.p50_ms, 2),
          // Steadier on a busy machine; on PostgreSQL it leaves out the database server's CPU.
          cpu_http_over_service: serverCpu !== undefined && serviceCpu ? round(serverCpu / serviceCpu, 2) : undefined,
          // Posts per second through the batch endpoint ÷ through the single-post endpoint.
          batch_over_http: round(batched.summary.posts_per_s / overHttp.summary.posts_per_s, 2),
        });
      } catch (error) {
        if (error instanceof Interrupted) throw error;
        ok = false;
        note(`${dialect}: ${describeError(error)}`);
      }
    }
    assertNotInterrupted(ctx);
    note('stages (single thread)…');
    measureStages(ctx);
  } catch (error) {
    ok = false;
    if (!(error instanceof Interrupted)) note(describeError(error));
  } finally {
    await cleanup.runAll();
  }
  if (interrupt.signal.aborted) return 130;
  return ok ? 0 : 1;
}

void main().then((code) => {
  process.exitCode = code;
  // Everything was closed; should a library still hold a handle, do not hang the command on it.
  setTimeout(() => process.exit(code), 5000).unref();
});
