/**
 * `npm run bench:feed`: how fast the feed service answers, against nginx serving the same bytes
 * from a file on the same machine in the same run, at two store sizes (10,000 and 100,000 posts).
 * Throughput cases are measured with Debian's `wrk`; cold renders (feed cache cleared) are timed
 * one at a time, in this process through `renderFeed` and over HTTP after a Redis invalidation.
 * Results are JSON lines on stdout; progress and errors go to stderr. See bench/README.md.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { renderJsonFeed, renderRss } from '@careerfeed/core';
import { type Dialect, createDb } from '@careerfeed/db';
import * as feeds from '@careerfeed/feeds';
import { createRedisConnection, feedInvalidationChannel } from '@careerfeed/jobs';
import { benchRedisErrors } from './support/redis-errors';
import { Cleanup } from './support/cleanup';
import { SetupError, describeError } from './support/errors';
import { seedFeedStore } from './support/feed-seed';
import { round } from './support/load';
import { type NginxServer, type StaticFile, startFeedCacheNginx, startNginx } from './support/nginx';
import { loadFixture } from './support/posts';
import {
  type ManagedProcess,
  freePort,
  processCpuMs,
  sleep,
  spawnManaged,
  startRedisServer,
  waitForHealthy,
  waitForPort,
} from './support/processes';
import { type Store, assertPostgresReachable, createStore } from './support/stores';
import { type WrkResult, runWrk } from './support/wrk';
import { intSettingsReader } from './support/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const FEED_DIST = path.join(ROOT, 'services', 'feed', 'dist');
const FEED_MAIN = path.join(FEED_DIST, 'main.js');
const STATIC_SERVER = path.join(__dirname, 'support', 'static-server.js');
const PUBLIC_BASE_URL = 'https://careers.example.edu';

// ---- settings ----

interface Settings {
  sizes: number[];
  dbs: Dialect[];
  threads: number;
  connections: number;
  durationS: number;
  warmupS: number;
  coldRuns: number;
  /** Each cold-render loop stops after this long (at least 10 samples), so a slow store stays bounded. */
  coldBudgetMs: number;
  pgAdminUrl: string;
  fixture: string;
  cpuProfDir: string | undefined;
  /** The whole run is aborted (and cleaned up) after this many minutes. */
  timeoutMin: number;
  /** Rounds of the interleaved cold-render growth measurement (each: one block per size). */
  growthRounds: number;
}

class SettingsError extends Error {
  constructor(problems: string[]) {
    super(`Invalid bench settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const list = (name: string, fallback: string) =>
    (env[name] || fallback)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const sizes = list('BENCH_SIZES', '10000,100000').map(Number);
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n >= 100 && n <= 2_000_000))
    problems.push(
      `BENCH_SIZES: comma-separated whole numbers from 100 to 2,000,000 (got ${JSON.stringify(env.BENCH_SIZES)})`,
    );
  const dbs = list('BENCH_DBS', 'sqlite');
  if (dbs.length === 0 || dbs.some((db) => db !== 'sqlite' && db !== 'postgres'))
    problems.push(`BENCH_DBS: a comma-separated list of sqlite, postgres (got ${JSON.stringify(env.BENCH_DBS)})`);
  const settings: Settings = {
    sizes: [...new Set(sizes)],
    dbs: [...new Set(dbs)] as Dialect[],
    threads: int('BENCH_WRK_THREADS', 1, 1, 64),
    connections: int('BENCH_WRK_CONNECTIONS', 32, 1, 10_000),
    durationS: int('BENCH_WRK_DURATION', 5, 1, 600),
    warmupS: int('BENCH_WRK_WARMUP', 1, 0, 60),
    coldRuns: int('BENCH_COLD_RUNS', 300, 10, 100_000),
    coldBudgetMs: int('BENCH_COLD_BUDGET_S', 4, 1, 600) * 1000,
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    fixture: path.resolve(env.BENCH_FIXTURE || path.join(ROOT, 'fixtures', 'sample-blog.json')),
    cpuProfDir: env.BENCH_CPU_PROF_DIR ? path.resolve(env.BENCH_CPU_PROF_DIR) : undefined,
    timeoutMin: int('BENCH_TIMEOUT_MIN', 30, 1, 24 * 60),
    growthRounds: int('BENCH_GROWTH_ROUNDS', 30, 2, 1000),
  };
  if (settings.threads > settings.connections)
    problems.push('BENCH_WRK_THREADS: must not exceed BENCH_WRK_CONNECTIONS');
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

// ---- output ----

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'feed', ...line })}\n`);
}

function note(message: string): void {
  process.stderr.write(`[bench:feed] ${message}\n`);
}

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

// ---- plain HTTP client (Buffer bodies, no decompression) ----

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

function get(
  agent: http.Agent,
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${urlPath}: no response within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function expectStatus(res: RawResponse, status: number, what: string): void {
  if (res.status !== status)
    throw new Error(`${what}: expected HTTP ${status}, got ${res.status}: ${res.body.subarray(0, 300).toString()}`);
}

// ---- statistics ----

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

interface Timing {
  median_ms: number;
  p99_ms: number;
  max_ms: number;
}

function timing(samples: number[]): Timing {
  const sorted = Float64Array.from(samples).sort();
  return {
    median_ms: round(percentile(sorted, 0.5), 3),
    p99_ms: round(percentile(sorted, 0.99), 3),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN, 3),
  };
}

interface Sampled {
  t: Timing;
  runs: number;
  /** CPU time of this process per run (the in-process loops), in ms. */
  cpuMs: number;
}

/**
 * Calls `op` up to `runs` times, or until `budgetMs` has passed with at least `MIN_SAMPLES` taken,
 * after a warm-up bounded the same way. `op` returns the milliseconds to record (so a step that
 * must not count, such as waiting for an invalidation to land, can stay outside).
 */
const MIN_SAMPLES = 10;

async function sample(runs: number, budgetMs: number, op: () => Promise<number> | number): Promise<Sampled> {
  const warmupUntil = performance.now() + Math.min(1000, budgetMs / 4);
  for (let i = 0; i < 30 && (i < 3 || performance.now() < warmupUntil); i++) await op();
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  const deadline = performance.now() + budgetMs;
  while (samples.length < runs && (samples.length < MIN_SAMPLES || performance.now() < deadline))
    samples.push(await op());
  const cpu = process.cpuUsage(cpuBefore);
  return { t: timing(samples), runs: samples.length, cpuMs: round((cpu.user + cpu.system) / 1000 / samples.length, 3) };
}

/** `op` timed from call to settled promise. */
function timed(op: () => unknown): () => Promise<number> {
  return async () => {
    const started = performance.now();
    await op();
    return performance.now() - started;
  };
}

// ---- the measured servers ----

interface Context {
  settings: Settings;
  cleanup: Cleanup;
  tmpDir: string;
  redisUrl: string;
  interrupt: AbortSignal;
}

interface Target {
  name: 'node' | 'nginx' | 'node_http' | 'nginx_cache';
  port: number;
  /** Process whose CPU time is the server's (the feed service, nginx's worker, the baseline). */
  pid: number | undefined;
}

interface LoadFigures {
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  bytes_per_req: number;
  server_cpu_us_per_req: number | undefined;
  /** Server CPU time ÷ wall time: 1.0 is one core fully busy. */
  server_cpu_util: number | undefined;
  wrk_cpu_util: number | undefined;
  errors: number;
}

async function measure(
  ctx: Context,
  target: Target,
  urlPath: string,
  headers: Record<string, string>,
): Promise<LoadFigures> {
  const { settings } = ctx;
  const url = `http://127.0.0.1:${target.port}${urlPath}`;
  const common = { url, threads: settings.threads, connections: settings.connections, headers, signal: ctx.interrupt };
  if (settings.warmupS > 0) await runWrk(ctx.cleanup, { ...common, durationS: settings.warmupS });
  if (ctx.interrupt.aborted) throw new Interrupted();
  const cpuBefore = processCpuMs(target.pid);
  const result: WrkResult = await runWrk(ctx.cleanup, { ...common, durationS: settings.durationS });
  const cpuAfter = processCpuMs(target.pid);
  if (ctx.interrupt.aborted) throw new Interrupted();
  const serverCpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const wallMs = result.elapsedS * 1000;
  return {
    req_per_s: round(result.reqPerS, 0),
    p50_ms: round(result.p50Ms, 3),
    p99_ms: round(result.p99Ms, 3),
    max_ms: round(result.maxMs, 2),
    bytes_per_req: result.bytesPerReq,
    server_cpu_us_per_req:
      serverCpu === undefined || result.requests === 0 ? undefined : round((serverCpu * 1000) / result.requests, 1),
    server_cpu_util: serverCpu === undefined ? undefined : round(serverCpu / wallMs, 2),
    wrk_cpu_util: result.clientCpuMs === undefined ? undefined : round(result.clientCpuMs / wallMs, 2),
    errors: result.errors,
  };
}

interface FeedSnapshot {
  rss: RawResponse;
  rssGzip: RawResponse;
  rssBr: RawResponse;
  json: RawResponse;
  etag: string;
}

/** The bytes and headers the service serves for the cached cases; also checks each path does what its case claims. */
async function probeFeedService(port: number): Promise<FeedSnapshot> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const rss = await get(agent, port, '/feed.xml');
    expectStatus(rss, 200, 'GET /feed.xml');
    if (rss.headers['content-encoding']) throw new Error('GET /feed.xml without Accept-Encoding came back encoded');
    const etag = String(rss.headers.etag ?? '');
    if (!etag) throw new Error('GET /feed.xml: no ETag');
    const notModified = await get(agent, port, '/feed.xml', { 'If-None-Match': etag });
    expectStatus(notModified, 304, 'GET /feed.xml with If-None-Match');
    const rssGzip = await get(agent, port, '/feed.xml', { 'Accept-Encoding': 'gzip' });
    expectStatus(rssGzip, 200, 'GET /feed.xml (gzip)');
    if (rssGzip.headers['content-encoding'] !== 'gzip' || !gunzipSync(rssGzip.body).equals(rss.body))
      throw new Error('GET /feed.xml with Accept-Encoding: gzip did not return the gzipped feed');
    const rssBr = await get(agent, port, '/feed.xml', { 'Accept-Encoding': 'br' });
    expectStatus(rssBr, 200, 'GET /feed.xml (br)');
    if (rssBr.headers['content-encoding'] !== 'br')
      throw new Error('GET /feed.xml with Accept-Encoding: br was not br');
    const json = await get(agent, port, '/feed.json');
    expectStatus(json, 200, 'GET /feed.json');
    return { rss, rssGzip, rssBr, json, etag };
  } finally {
    agent.destroy();
  }
}

/** Response headers worth copying to nginx and the baseline, so all three send similar header bytes. */
function copiedHeaders(res: RawResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['cache-control', 'vary', 'access-control-allow-origin', 'access-control-expose-headers']) {
    const value = res.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

async function startFeedService(
  ctx: Context,
  store: Store,
  label: string,
): Promise<{ port: number; service: ManagedProcess }> {
  const port = await freePort();
  const nodeArgs = ctx.settings.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ctx.settings.cpuProfDir, `feed-${label}`)}`]
    : [];
  const service = spawnManaged(ctx.cleanup, 'feed', process.execPath, [...nodeArgs, FEED_MAIN], {
    // Not the repository root: a developer's .env there must not change what is measured.
    cwd: ctx.tmpDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: ctx.tmpDir,
      DATABASE_URL: store.url,
      REDIS_URL: ctx.redisUrl,
      REDIS_PREFIX: redisPrefix(label),
      HOST: '127.0.0.1',
      FEED_PORT: String(port),
      PUBLIC_BASE_URL,
      LOG_LEVEL: 'warn',
    },
  });
  await waitForHealthy(port, service);
  return { port, service };
}

function redisPrefix(label: string): string {
  return `bench-feed-${label}`;
}

// ---- cases ----

interface CaseDef {
  name: string;
  node: { path: string; headers: Record<string, string> };
  /** What nginx is measured on for the ratio (shared between cases; measured once). */
  nginx: { key: string; path: string; headers: Record<string, string> };
  /** Served by the plain-`http` baseline instead of the feed service. */
  baseline?: boolean;
  /** Asked of the deployed nginx cache (deploy/nginx/careerfeed.conf) in front of the feed service. */
  throughCache?: boolean;
}

interface SizeResult {
  cases: Map<string, LoadFigures & { ratio_to_nginx: number }>;
  cold: Map<string, Timing>;
  /** Kept until the interleaved growth measurement has run. */
  store: Store;
}

async function runSize(
  ctx: Context,
  dialect: Dialect,
  size: number,
  fixture: ReturnType<typeof loadFixture>,
  site: { title?: string; description?: string },
): Promise<SizeResult> {
  const { settings, cleanup } = ctx;
  const label = `${dialect}_${size}`;
  const store = await createStore(cleanup, dialect, `feed_${label}`, {
    dir: ctx.tmpDir,
    pgAdminUrl: settings.pgAdminUrl,
  });
  const result: SizeResult = { store, cases: new Map(), cold: new Map() };
  note(`${label}: seeding ${size} posts…`);
  let lastNote = 0;
  const seeded = await seedFeedStore(store, fixture, {
    count: size,
    publicBaseUrl: PUBLIC_BASE_URL,
    site,
    signal: ctx.interrupt,
    progress: (done) => {
      if (performance.now() - lastNote > 10_000) {
        lastNote = performance.now();
        note(`${label}: ${done} posts stored`);
      }
    },
  });
  if (ctx.interrupt.aborted) throw new Interrupted();
  emit({
    db: dialect,
    posts: size,
    case: 'seed',
    seconds: round(seeded.elapsedMs / 1000, 1),
    posts_per_s: round(seeded.posts / (seeded.elapsedMs / 1000), 0),
    related_rows: seeded.relatedRows,
    mean_html_bytes: seeded.meanHtmlBytes,
    db_bytes: dialect === 'sqlite' ? fs.statSync(store.url.slice('sqlite:'.length)).size : undefined,
  });

  const { port, service } = await startFeedService(ctx, store, label);
  const stoppers: (() => Promise<void>)[] = [() => service.stop()];
  const invalidator = await connectInvalidator(ctx, label);
  stoppers.push(async () => invalidator.close());
  let nginx: NginxServer | undefined;
  try {
    const snap = await probeFeedService(port);
    note(
      `${label}: /feed.xml ${snap.rss.body.length} B (gzip ${snap.rssGzip.body.length} B, br ${snap.rssBr.body.length} B), ` +
        `/feed.json ${snap.json.body.length} B`,
    );

    // nginx with the exact bytes the service just returned.
    // A directory of its own: nginx's worker runs as `nobody` and cannot enter the bench's 0700 temp dir.
    const nginxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-nginx-'));
    const removeNginxDir = () => fs.rmSync(nginxDir, { recursive: true, force: true });
    cleanup.add(`remove ${nginxDir}`, removeNginxDir, removeNginxDir);
    const files: StaticFile[] = [
      {
        urlPath: '/feed.xml',
        contentType: String(snap.rss.headers['content-type']),
        body: snap.rss.body,
        gzip: snap.rssGzip.body,
        headers: copiedHeaders(snap.rss),
      },
      {
        urlPath: '/feed.json',
        contentType: String(snap.json.headers['content-type']),
        body: snap.json.body,
        headers: copiedHeaders(snap.json),
      },
    ];
    nginx = await startNginx(cleanup, nginxDir, files);
    const nginxServer = nginx;
    stoppers.push(() => nginxServer.stop());
    const nginxSnap = await probeNginx(nginx.port, snap);

    // Node's own http server with the same bytes and headers: the ceiling for one Node process.
    const baselinePort = await freePort();
    const specFile = path.join(nginxDir, 'baseline.json');
    const www = path.join(nginxDir, 'www');
    fs.writeFileSync(
      specFile,
      JSON.stringify([
        {
          urlPath: '/feed.xml',
          etag: snap.etag,
          headers: {
            'Content-Type': String(snap.rss.headers['content-type']),
            ETag: snap.etag,
            ...(snap.rss.headers['last-modified']
              ? { 'Last-Modified': String(snap.rss.headers['last-modified']) }
              : {}),
            ...copiedHeaders(snap.rss),
          },
          identity: path.join(www, 'feed.xml'),
          gzip: path.join(www, 'feed.xml.gz'),
        },
      ]),
    );
    const baseline = spawnManaged(cleanup, 'node-http-baseline', process.execPath, [
      STATIC_SERVER,
      specFile,
      String(baselinePort),
    ]);
    stoppers.push(() => baseline.stop(2000));
    await waitForPort(baselinePort, baseline);

    // The deployed configuration in front of the service: what readers of a compose deployment reach.
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-nginx-cache-'));
    const removeCacheDir = () => fs.rmSync(cacheDir, { recursive: true, force: true });
    cleanup.add(`remove ${cacheDir}`, removeCacheDir, removeCacheDir);
    const feedCache = await startFeedCacheNginx(cleanup, cacheDir, port);
    stoppers.push(() => feedCache.stop());

    const targets = {
      nginx_cache: { name: 'nginx_cache', port: feedCache.port, pid: feedCache.workerPid } as Target,
      node: { name: 'node', port, pid: service.child.pid } as Target,
      nginx: { name: 'nginx', port: nginx.port, pid: nginx.workerPid } as Target,
      node_http: { name: 'node_http', port: baselinePort, pid: baseline.child.pid } as Target,
    };
    const gzip = { 'Accept-Encoding': 'gzip' };
    const nginx200 = { key: 'rss_200', path: '/feed.xml', headers: {} };
    const nginx304 = { key: 'rss_304', path: '/feed.xml', headers: { 'If-None-Match': nginxSnap.etag } };
    const nginxGzip = { key: 'rss_gzip', path: '/feed.xml', headers: gzip };
    const cases: CaseDef[] = [
      { name: 'cached_rss', node: { path: '/feed.xml', headers: {} }, nginx: nginx200 },
      {
        name: 'not_modified_rss',
        node: { path: '/feed.xml', headers: { 'If-None-Match': snap.etag } },
        nginx: nginx304,
      },
      {
        name: 'cached_json',
        node: { path: '/feed.json', headers: {} },
        nginx: { key: 'json_200', path: '/feed.json', headers: {} },
      },
      { name: 'gzip_rss', node: { path: '/feed.xml', headers: gzip }, nginx: nginxGzip },
      // nginx has no brotli module here: br is compared with its gzip_static.
      {
        name: 'br_rss',
        node: { path: '/feed.xml', headers: { 'Accept-Encoding': 'gzip, deflate, br' } },
        nginx: nginxGzip,
      },
      { name: 'node_http_rss', node: { path: '/feed.xml', headers: {} }, nginx: nginx200, baseline: true },
      { name: 'nginx_cache_rss', node: { path: '/feed.xml', headers: {} }, nginx: nginx200, throughCache: true },
      {
        name: 'nginx_cache_not_modified_rss',
        node: { path: '/feed.xml', headers: { 'If-None-Match': snap.etag } },
        nginx: nginx304,
        throughCache: true,
      },
      {
        name: 'node_http_not_modified_rss',
        node: { path: '/feed.xml', headers: { 'If-None-Match': snap.etag } },
        nginx: nginx304,
        baseline: true,
      },
    ];

    // JIT warm-up of the service's cached path before anything is compared.
    await runWrk(cleanup, {
      url: `http://127.0.0.1:${port}/feed.xml`,
      threads: settings.threads,
      connections: settings.connections,
      durationS: 2,
      signal: ctx.interrupt,
    });
    const nginxFigures = new Map<string, LoadFigures>();
    for (const c of cases) {
      if (ctx.interrupt.aborted) throw new Interrupted();
      // A fresh render first: the cache's 60 s TTL must not expire inside a measurement (that
      // re-render is a cold render, measured below), and the compressed variant is made now.
      if (!c.baseline) await refreshFeed(invalidator, port, c.node.path, c.node.headers);
      const target = c.baseline ? targets.node_http : c.throughCache ? targets.nginx_cache : targets.node;
      const figures = await measure(ctx, target, c.node.path, c.node.headers);
      let reference = nginxFigures.get(c.nginx.key);
      if (!reference) {
        reference = await measure(ctx, targets.nginx, c.nginx.path, c.nginx.headers);
        nginxFigures.set(c.nginx.key, reference);
      }
      const ratio = round(figures.req_per_s / reference.req_per_s, 3);
      emit({
        db: dialect,
        posts: size,
        case: c.name,
        server: c.baseline ? 'node http, from memory' : c.throughCache ? 'nginx cache → feed service' : 'feed service',
        ...figures,
        nginx_case: c.nginx.key,
        nginx_req_per_s: reference.req_per_s,
        nginx_p99_ms: reference.p99_ms,
        nginx_bytes_per_req: reference.bytes_per_req,
        nginx_cpu_us_per_req: reference.server_cpu_us_per_req,
        nginx_wrk_cpu_util: reference.wrk_cpu_util,
        ratio_to_nginx: ratio,
        cpu_ratio_to_nginx:
          reference.server_cpu_us_per_req && figures.server_cpu_us_per_req
            ? round(reference.server_cpu_us_per_req / figures.server_cpu_us_per_req, 3)
            : undefined,
      });
      if (figures.errors > 0 || reference.errors > 0)
        note(`${label}/${c.name}: wrk counted ${figures.errors} errors (nginx: ${reference.errors})`);
      result.cases.set(c.name, { ...figures, ratio_to_nginx: ratio });
    }
    note(`${label}: wrk cases done; ${loadNote()}`);

    // Cold renders: every request after an invalidation message, one at a time.
    await measureColdOverHttp(ctx, invalidator, port, dialect, size, result);
    // Stop the servers before the in-process renders, so nothing else competes for the CPU.
    for (const stop of stoppers.reverse()) await stop();
    stoppers.length = 0;
    await measureColdInProcess(ctx, store, dialect, size, result);
  } finally {
    for (const stop of stoppers.reverse()) await stop();
  }
  return result;
}

async function probeNginx(port: number, snap: FeedSnapshot): Promise<{ etag: string }> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const rss = await get(agent, port, '/feed.xml');
    expectStatus(rss, 200, 'nginx GET /feed.xml');
    if (!rss.body.equals(snap.rss.body)) throw new Error('nginx does not serve the bytes the feed service returned');
    const etag = String(rss.headers.etag ?? '');
    expectStatus(
      await get(agent, port, '/feed.xml', { 'If-None-Match': etag }),
      304,
      'nginx GET /feed.xml with If-None-Match',
    );
    const gz = await get(agent, port, '/feed.xml', { 'Accept-Encoding': 'gzip' });
    if (gz.headers['content-encoding'] !== 'gzip' || !gz.body.equals(snap.rssGzip.body))
      throw new Error('nginx gzip_static did not serve the precompressed feed');
    const json = await get(agent, port, '/feed.json');
    if (!json.body.equals(snap.json.body)) throw new Error('nginx does not serve the JSON feed bytes');
    return { etag };
  } finally {
    agent.destroy();
  }
}

interface Invalidator {
  /** Publishes `{"scopes":["*"]}` on the service's channel and gives the service a moment to drop its cache. */
  invalidate(): Promise<void>;
  close(): void;
}

async function connectInvalidator(ctx: Context, label: string): Promise<Invalidator> {
  const redis = createRedisConnection(ctx.redisUrl, 'producer', benchRedisErrors);
  const channel = feedInvalidationChannel(redisPrefix(label));
  const message = JSON.stringify({ scopes: ['*'] });
  try {
    await waitReady(redis);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return {
    async invalidate() {
      const receivers = await redis.publish(channel, message);
      if (receivers < 1) throw new Error(`no subscriber on ${channel}: the service is not listening for invalidations`);
      // PUBLISH answers once Redis has written the message to the subscriber's socket; the
      // service handles it on its next event-loop turn.
      await sleep(5);
    },
    close: () => redis.disconnect(),
  };
}

async function refreshFeed(invalidator: Invalidator, port: number, urlPath: string, headers: Record<string, string>) {
  await invalidator.invalidate();
  const agent = new http.Agent({ keepAlive: false });
  try {
    const res = await get(agent, port, urlPath, headers);
    const expected = headers['If-None-Match'] ? 304 : 200;
    // A 304 here also proves the ETag survives a re-render (it hashes the bytes, not the time).
    expectStatus(res, expected, `GET ${urlPath} after invalidation`);
  } finally {
    agent.destroy();
  }
}

/**
 * Over HTTP: invalidate (see Invalidator), then time one GET on a kept-alive connection; the wait
 * for the message is outside the timing. The same loop without the invalidation gives the warm
 * figure next to it, so the difference is what a miss costs.
 */
async function measureColdOverHttp(
  ctx: Context,
  invalidator: Invalidator,
  port: number,
  dialect: Dialect,
  size: number,
  result: SizeResult,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { coldRuns: runs, coldBudgetMs: budget } = ctx.settings;
  try {
    const variants: [string, string, Record<string, string>][] = [
      ['cold_http_rss_20', '/feed.xml', {}],
      // What a feed reader sends: the first such request after a change also pays for brotli.
      ['cold_http_rss_20_br', '/feed.xml', { 'Accept-Encoding': 'gzip, deflate, br' }],
      ['cold_http_json_20', '/feed.json', {}],
    ];
    for (const [name, urlPath, headers] of variants) {
      if (ctx.interrupt.aborted) throw new Interrupted();
      const request = async () => {
        const res = await get(agent, port, urlPath, headers);
        expectStatus(res, 200, `GET ${urlPath}`);
        return res.ms;
      };
      const cold = await sample(runs, budget, async () => {
        await invalidator.invalidate();
        return request();
      });
      const warm = await sample(runs, Math.min(budget, 2000), request);
      emit({
        db: dialect,
        posts: size,
        case: name,
        runs: cold.runs,
        ...cold.t,
        warm_median_ms: warm.t.median_ms,
        warm_p99_ms: warm.t.p99_ms,
      });
      result.cold.set(name, cold.t);
    }
  } finally {
    agent.destroy();
  }
}

async function waitReady(redis: { status: string }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (redis.status !== 'ready') {
    if (Date.now() > deadline)
      throw new Error(`Redis connection not ready after ${timeoutMs} ms (status ${redis.status})`);
    await sleep(20);
  }
}

/**
 * In this process: `renderFeed(deps, {site, rss, limit 20, page 1})` from the compiled service, N
 * times (the aim "cold render ≤ 5 ms median" is about this number), then each step alone: the
 * queries (buildFeedDocument), the renderer, what the cache adds (UTF-8 encoding and the sha256
 * ETag) and the on-demand compressions (gzip -9, brotli q9), which the first compressed request
 * after a change pays on top.
 */
async function measureColdInProcess(
  ctx: Context,
  store: Store,
  dialect: Dialect,
  size: number,
  result: SizeResult,
): Promise<void> {
  const service = feeds;
  const cacheModule = feeds;
  const repo = feeds.feedsRepository;
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const deps = { db, publicBaseUrl: PUBLIC_BASE_URL };
    const { coldRuns: runs, coldBudgetMs: budget } = ctx.settings;
    const nowUtc = () => new Date().toISOString();
    for (const format of ['rss', 'json'] as const) {
      if (ctx.interrupt.aborted) throw new Interrupted();
      const request = { scope: { kind: 'site' as const }, format, limit: 20, page: 1 };
      const whole = await sample(
        runs,
        budget,
        timed(() => service.renderFeed(deps, request)),
      );
      const query = await sample(
        runs,
        budget,
        timed(() => service.buildFeedDocument(deps, request)),
      );
      // The two queries that grow with the store, alone: the page of posts and their related links.
      const posts = await sample(
        runs,
        budget / 2,
        timed(() => repo.findFeedPosts(db.kysely, request.scope, { nowUtc: nowUtc(), limit: 21, offset: 0 })),
      );
      const pageIds = (
        await repo.findFeedPosts(db.kysely, request.scope, { nowUtc: nowUtc(), limit: 20, offset: 0 })
      ).map((row) => row.id);
      const related = await sample(
        runs,
        budget / 2,
        timed(() => repo.findRelatedLinks(db.kysely, pageIds, nowUtc())),
      );
      const doc = await service.buildFeedDocument(deps, request);
      if (!doc) throw new Error('renderFeed: the site feed is missing');
      const renderer = format === 'rss' ? renderRss : renderJsonFeed;
      const render = await sample(
        runs,
        budget / 2,
        timed(() => renderer(doc)),
      );
      const rendered = (await service.renderFeed(deps, request))!;
      const cache = new cacheModule.FeedCache(60_000);
      const cacheSet = await sample(
        runs,
        budget / 4,
        timed(() => cache.set('k', rendered)),
      );
      const entry = () => cache.set('k', rendered);
      const gzip = await sample(
        Math.ceil(runs / 5),
        budget / 4,
        timed(() => cacheModule.compress(entry(), 'gzip')),
      );
      const br = await sample(
        Math.ceil(runs / 5),
        budget / 4,
        timed(() => cacheModule.compress(entry(), 'br')),
      );
      const name = `cold_render_${format}_20`;
      emit({
        db: dialect,
        posts: size,
        case: name,
        runs: whole.runs,
        ...whole.t,
        cpu_ms: whole.cpuMs,
        bytes: Buffer.byteLength(rendered.body),
        queries_median_ms: query.t.median_ms,
        posts_query_median_ms: posts.t.median_ms,
        related_query_median_ms: related.t.median_ms,
        render_median_ms: render.t.median_ms,
        etag_and_encode_median_ms: cacheSet.t.median_ms,
        gzip9_median_ms: gzip.t.median_ms,
        br9_median_ms: br.t.median_ms,
      });
      result.cold.set(name, whole.t);
    }
  } finally {
    await db.close();
  }
}

// ---- aims and growth ----

function emitAims(dialect: Dialect, size: number, r: SizeResult): void {
  const aim = (name: string, target: string, value: number | undefined, met: boolean | undefined) =>
    emit({ db: dialect, posts: size, aim: name, target, value, met });
  const cached = r.cases.get('cached_rss');
  const notModified = r.cases.get('not_modified_rss');
  const gzip = r.cases.get('gzip_rss');
  const cold = r.cold.get('cold_render_rss_20');
  aim('cached_200_ratio_to_nginx', '>= 0.5', cached?.ratio_to_nginx, cached && cached.ratio_to_nginx >= 0.5);
  aim(
    'not_modified_ratio_to_nginx_304',
    '>= 0.25',
    notModified?.ratio_to_nginx,
    notModified && notModified.ratio_to_nginx >= 0.25,
  );
  const gzipOverIdentity = gzip && cached ? round(gzip.req_per_s / cached.req_per_s, 3) : undefined;
  aim(
    'gzip_req_per_s_over_identity',
    '>= 0.9 (same rate)',
    gzipOverIdentity,
    gzipOverIdentity === undefined ? undefined : gzipOverIdentity >= 0.9,
  );
  aim('cold_render_rss_20_median_ms', '<= 5', cold?.median_ms, cold && cold.median_ms <= 5);
}

function changePct(from: number, to: number): number {
  return round(((to - from) / from) * 100, 1);
}

function emitGrowth(
  dialect: Dialect,
  from: { size: number; r: SizeResult },
  to: { size: number; r: SizeResult },
): void {
  const base = { db: dialect, case: 'growth', from_posts: from.size, to_posts: to.size };
  for (const [name, a] of from.r.cases) {
    const b = to.r.cases.get(name);
    if (!b) continue;
    const rps = changePct(a.req_per_s, b.req_per_s);
    const p99 = changePct(a.p99_ms, b.p99_ms);
    emit({
      ...base,
      of: name,
      req_per_s_change_pct: rps,
      p99_change_pct: p99,
      ratio_to_nginx_change_pct: changePct(a.ratio_to_nginx, b.ratio_to_nginx),
      cpu_per_req_change_pct:
        a.server_cpu_us_per_req && b.server_cpu_us_per_req
          ? changePct(a.server_cpu_us_per_req, b.server_cpu_us_per_req)
          : undefined,
      within_20pct: Math.abs(rps) < 20 && Math.abs(p99) < 20,
    });
  }
  // The node_http_* baselines serve fixed bytes and never touch the store: whatever they moved
  // between the two sizes is this machine's run-to-run noise, the yardstick for the lines above.
  const baselineMoves = [...from.r.cases.keys()]
    .filter((name) => name.startsWith('node_http_') && to.r.cases.has(name))
    .map((name) => Math.abs(changePct(from.r.cases.get(name)!.req_per_s, to.r.cases.get(name)!.req_per_s)));
  if (baselineMoves.length > 0)
    emit({
      ...base,
      of: 'noise_floor',
      req_per_s_change_pct_max: Math.max(...baselineMoves),
      note: 'largest req/s change of the store-independent node_http_* cases between the sizes',
    });
  for (const [name, a] of from.r.cold) {
    const b = to.r.cold.get(name);
    if (!b) continue;
    const median = changePct(a.median_ms, b.median_ms);
    const p99 = changePct(a.p99_ms, b.p99_ms);
    emit({
      ...base,
      of: name,
      median_change_pct: median,
      p99_change_pct: p99,
      within_20pct: Math.abs(median) < 20 && Math.abs(p99) < 20,
    });
  }
}

/**
 * The growth aim compares two sizes, but the sizes are measured minutes apart, in a process whose
 * heap the seeding of the larger store has grown: on a shared machine the sequential cold figures
 * moved as much as the store-independent baselines did. Here the stores take turns in one process:
 * blocks of renders from each size alternate (A B, then B A, so neither always goes first), and the
 * growth is the median over rounds of the ratio of the two blocks' medians, each pair measured
 * seconds apart under the same load.
 */
async function measureColdGrowthInterleaved(
  ctx: Context,
  dialect: Dialect,
  sizes: { size: number; r: SizeResult }[],
): Promise<void> {
  const service = feeds;
  const rounds = ctx.settings.growthRounds;
  const blockRuns = 20;
  const from = sizes[0]!;
  const to = sizes[sizes.length - 1]!;
  const dbs = [from, to].map(({ r }) => createDb(r.store.url, { poolSize: 1 }));
  try {
    for (const format of ['rss', 'json'] as const) {
      const request = { scope: { kind: 'site' as const }, format, limit: 20, page: 1 };
      const block = async (db: (typeof dbs)[number]) => {
        const deps = { db, publicBaseUrl: PUBLIC_BASE_URL };
        return (
          await sample(
            blockRuns,
            2000,
            timed(() => service.renderFeed(deps, request)),
          )
        ).t.median_ms;
      };
      // Warm both (JIT, SQLite page cache) before any block counts.
      for (const db of dbs) await block(db);
      const fromMedians: number[] = [];
      const toMedians: number[] = [];
      const ratios: number[] = [];
      for (let i = 0; i < rounds; i++) {
        if (ctx.interrupt.aborted) throw new Interrupted();
        let a: number;
        let b: number;
        if (i % 2 === 0) {
          a = await block(dbs[0]!);
          b = await block(dbs[1]!);
        } else {
          b = await block(dbs[1]!);
          a = await block(dbs[0]!);
        }
        fromMedians.push(a);
        toMedians.push(b);
        ratios.push(b / a);
      }
      const medianRatio = median(ratios);
      emit({
        db: dialect,
        case: 'growth',
        of: `cold_render_${format}_20_interleaved`,
        from_posts: from.size,
        to_posts: to.size,
        rounds,
        renders_per_block: blockRuns,
        from_median_ms: round(median(fromMedians), 3),
        to_median_ms: round(median(toMedians), 3),
        median_change_pct: round((medianRatio - 1) * 100, 1),
        rounds_within_20pct: ratios.filter((r) => Math.abs(r - 1) < 0.2).length,
        within_20pct: Math.abs(medianRatio - 1) < 0.2,
      });
    }
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
  }
}

const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);

// ---- main ----

function readSite(file: string): { title?: string; description?: string } {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { site?: { title?: unknown; description?: unknown } };
  const site: { title?: string; description?: string } = {};
  if (typeof data.site?.title === 'string') site.title = data.site.title;
  if (typeof data.site?.description === 'string') site.description = data.site.description;
  return site;
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
  const watchdog = setTimeout(() => {
    note(`still running after ${settings.timeoutMin} min (BENCH_TIMEOUT_MIN): stopping`);
    interrupt.abort();
  }, settings.timeoutMin * 60_000);
  watchdog.unref();

  let ok = true;
  try {
    for (const file of [FEED_MAIN, STATIC_SERVER])
      if (!fs.existsSync(file)) throw new SetupError(`${file} is missing; build first (npx tsc -b)`);
    const fixture = loadFixture(settings.fixture);
    const site = readSite(settings.fixture);
    if (settings.dbs.includes('postgres')) await assertPostgresReachable(settings.pgAdminUrl);

    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-feed-'));
    const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
    cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);
    const redisDir = path.join(tmpDir, 'redis');
    fs.mkdirSync(redisDir);
    const redis = await startRedisServer(cleanup, redisDir);
    note(
      `sizes ${settings.sizes.join(', ')} on ${settings.dbs.join(', ')}; wrk -t${settings.threads} -c${settings.connections} ` +
        `-d${settings.durationS}s (+${settings.warmupS}s warm-up) per case; nginx and the feed service: one process each; ` +
        `${os.cpus().length} CPUs, Node ${process.version}, ${loadNote()}`,
    );
    const ctx: Context = { settings, cleanup, tmpDir, redisUrl: redis.url, interrupt: interrupt.signal };

    for (const dialect of settings.dbs) {
      const done: { size: number; r: SizeResult }[] = [];
      for (const size of settings.sizes) {
        if (interrupt.signal.aborted) throw new Interrupted();
        try {
          const r = await runSize(ctx, dialect, size, fixture, site);
          emitAims(dialect, size, r);
          done.push({ size, r });
        } catch (error) {
          if (error instanceof Interrupted || interrupt.signal.aborted) throw new Interrupted();
          ok = false;
          note(`${dialect}/${size}: ${describeError(error)}`);
        }
      }
      for (let i = 1; i < done.length; i++) emitGrowth(dialect, done[i - 1]!, done[i]!);
      if (done.length > 1) await measureColdGrowthInterleaved(ctx, dialect, done);
      // The stores of this dialect are not needed any more: free the disk (100k posts ≈ 1 GB).
      for (const file of fs.readdirSync(tmpDir))
        if (file.startsWith(`feed_${dialect}_`)) fs.rmSync(path.join(tmpDir, file), { force: true });
    }
  } catch (error) {
    ok = false;
    if (!(error instanceof Interrupted)) note(describeError(error));
  } finally {
    clearTimeout(watchdog);
    await cleanup.runAll();
  }
  if (interrupt.signal.aborted) return 130;
  return ok ? 0 : 1;
}

void main().then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 5000).unref();
});
