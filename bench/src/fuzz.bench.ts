/**
 * `npm run bench:fuzz`: requests generated from each service's own OpenAPI document (fast-check,
 * fixed seed) against the ingest, feed and worker services running as child processes, as in
 * production. Checks every case: no 5xx, no process exits, a refused request (4xx) changes no
 * table, an answer that claims JSON parses. JSON lines on stdout (one per operation, one per
 * service, a summary); findings, progress and errors on stderr. Exit status 1 when anything was
 * found. See docs/benchmarks.md (settings) and docs/development.md (rerunning a case).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiKey } from '@careerfeed/http';
import { type Db, type Dialect, createDb } from '@careerfeed/db';
import { Cleanup } from './support/cleanup';
import { SetupError, describeError } from './support/errors';
import { type ManagedProcess, freePort, spawnManaged, startRedisServer, waitForHealthy } from './support/processes';
import { intSettingsReader } from './support/settings';
import { assertPostgresReachable, createStore } from './support/stores';
import { KNOWN_ISSUES } from './support/fuzz/known-issues';
import {
  type CaseResult,
  type FuzzRun,
  type FuzzTarget,
  casesFor,
  describeRequest,
  fetchDocument,
  operationCount,
  runCases,
  splitCases,
} from './support/fuzz/runner';
import { seedSubscriberTokens, seedThroughIngest } from './support/fuzz/seed';
import { snapshotDatabase } from './support/fuzz/snapshot';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = (service: string) => path.join(ROOT, 'services', service, 'dist', 'main.js');
const PUBLIC_BASE_URL = 'http://localhost:3002';
const SERVICES = ['ingest', 'feed', 'worker'] as const;
type Service = (typeof SERVICES)[number];

interface Settings {
  cases: number;
  seed: number;
  dbs: Dialect[];
  pgAdminUrl: string;
  services: Service[];
  /** Only this operationId (a rerun of one operation's cases). */
  operation: string | undefined;
  /** Only the operation's case N (the `#N` printed with a finding); needs `operation`. */
  caseIndex: number | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const list = (name: string, fallback: string) =>
    (env[name] || fallback)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const dbs = list('BENCH_DBS', 'sqlite');
  if (dbs.some((db) => db !== 'sqlite' && db !== 'postgres') || dbs.length === 0)
    problems.push(`BENCH_DBS: a comma-separated list of sqlite, postgres (got ${JSON.stringify(env.BENCH_DBS)})`);
  const services = list('BENCH_FUZZ_SERVICES', SERVICES.join(','));
  if (services.some((s) => !(SERVICES as readonly string[]).includes(s)) || services.length === 0)
    problems.push(`BENCH_FUZZ_SERVICES: a comma-separated list of ${SERVICES.join(', ')}`);
  const settings: Settings = {
    cases: int('BENCH_FUZZ_CASES', 10_000, 1, 10_000_000),
    seed: int('BENCH_FUZZ_SEED', 20260601, 0, 2 ** 31 - 1),
    dbs: [...new Set(dbs)] as Dialect[],
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    services: services as Service[],
    operation: env.BENCH_FUZZ_OPERATION || undefined,
    caseIndex: env.BENCH_FUZZ_CASE ? int('BENCH_FUZZ_CASE', 0, 0, 10_000_000) : undefined,
  };
  if (problems.length > 0)
    throw new SetupError(`Invalid bench settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return settings;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function note(message: string): void {
  process.stderr.write(`[bench:fuzz] ${message}\n`);
}

const round = (n: number) => Math.round(n * 10) / 10;

interface Started {
  service: Service;
  port: number;
  process: ManagedProcess;
}

async function startService(
  cleanup: Cleanup,
  service: Service,
  env: Record<string, string>,
  tmpDir: string,
): Promise<Started> {
  const port = await freePort();
  const portVariable = { ingest: 'INGEST_PORT', feed: 'FEED_PORT', worker: 'WORKER_PORT' }[service];
  const managed = spawnManaged(cleanup, service, process.execPath, [MAIN(service)], {
    // Not the repository root: a developer's .env there must not change what is fuzzed.
    cwd: tmpDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: tmpDir,
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL,
      LOG_LEVEL: 'warn',
      ALLOW_PRIVATE_NETWORKS: 'true',
      [portVariable]: String(port),
      ...env,
    },
  });
  await waitForHealthy(port, managed);
  return { service, port, process: managed };
}

function exitReason(managed: ManagedProcess): string | undefined {
  const { child } = managed;
  if (child.exitCode === null && child.signalCode === null) return undefined;
  return `${managed.name} exited (code ${child.exitCode}, signal ${child.signalCode}): ${managed.output().slice(-2000)}`;
}

async function fuzzDatabase(
  settings: Settings,
  cleanup: Cleanup,
  dialect: Dialect,
  redisUrl: string,
): Promise<FuzzRun[]> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-fuzz-'));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);

  // ingest and feed share a database and prefix, as a deployment does; the worker gets its own,
  // so its queue consumers never act on what the ingest cases write while a 4xx is being checked.
  const store = await createStore(cleanup, dialect, `fuzz_main_${dialect}`, {
    dir: tmpDir,
    pgAdminUrl: settings.pgAdminUrl,
  });
  const workerStore = await createStore(cleanup, dialect, `fuzz_worker_${dialect}`, {
    dir: tmpDir,
    pgAdminUrl: settings.pgAdminUrl,
  });
  const db: Db = createDb(store.url, { poolSize: 2 });
  const workerDb: Db = createDb(workerStore.url, { poolSize: 2 });
  cleanup.add('close the fuzzer database connections', async () => {
    await db.close();
    await workerDb.close();
  });
  const admin = `Bearer ${(await createApiKey(db, 'fuzz admin', ['admin'])).key}`;
  const writer = `Bearer ${(await createApiKey(db, 'fuzz writer', ['posts:write'])).key}`;
  const workerAdmin = `Bearer ${(await createApiKey(workerDb, 'fuzz admin', ['admin'])).key}`;

  const prefix = `bench-fuzz-${process.pid}-${dialect}`;
  const mainEnv = { DATABASE_URL: store.url, REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
  const started: Record<Service, Started> = {
    ingest: await startService(cleanup, 'ingest', mainEnv, tmpDir),
    feed: await startService(cleanup, 'feed', mainEnv, tmpDir),
    worker: await startService(
      cleanup,
      'worker',
      { DATABASE_URL: workerStore.url, REDIS_URL: redisUrl, REDIS_PREFIX: `${prefix}-worker` },
      tmpDir,
    ),
  };
  const seeded = await seedThroughIngest({ host: '127.0.0.1', port: started.ingest.port }, admin);
  const tokens = await seedSubscriberTokens({ host: '127.0.0.1', port: started.feed.port }, db);
  const targets: Record<Service, FuzzTarget> = {
    ingest: {
      service: 'ingest',
      host: '127.0.0.1',
      port: started.ingest.port,
      alive: () => exitReason(started.ingest.process),
      snapshot: () => snapshotDatabase(db),
      context: { validAuthorizations: [admin, writer], pathValues: seeded.ingest },
    },
    feed: {
      service: 'feed',
      host: '127.0.0.1',
      port: started.feed.port,
      alive: () => exitReason(started.feed.process),
      snapshot: () => snapshotDatabase(db),
      context: { validAuthorizations: [], pathValues: seeded.feed, queryValues: { token: tokens } },
    },
    worker: {
      service: 'worker',
      host: '127.0.0.1',
      port: started.worker.port,
      alive: () => exitReason(started.worker.process),
      snapshot: () => snapshotDatabase(workerDb),
      context: { validAuthorizations: [workerAdmin], pathValues: {} },
    },
  };

  // Cases per service in proportion to its number of operations: about the same per operation.
  const docs = await Promise.all(settings.services.map((s) => fetchDocument('127.0.0.1', targets[s].port)));
  const opCounts = docs.map(operationCount);
  const counts = splitCases(settings.cases, opCounts);
  const runs: FuzzRun[] = [];
  for (const [i, service] of settings.services.entries()) {
    let requests = casesFor(
      docs[i]!,
      targets[service],
      counts[i]!,
      settings.seed + SERVICES.indexOf(service),
      settings.operation,
    );
    if (settings.caseIndex !== undefined) requests = requests.filter((r) => r.round === settings.caseIndex);
    if (requests.length === 0) continue;
    note(`${dialect} ${service}: ${requests.length} cases over ${opCounts[i]} operations`);
    const run = await runCases(targets[service], requests, (result: CaseResult) => {
      if (result.problem && !result.known)
        note(
          `FOUND ${result.problem} (${result.status}): ${describeRequest(result.request)}\n    → ${result.detail ?? ''}`,
        );
      else if (settings.caseIndex !== undefined)
        note(`${result.status} ${describeRequest(result.request)}\n    → ${result.excerpt}`);
    });
    runs.push(run);
    for (const s of run.stats) {
      emit({
        bench: 'fuzz',
        db: dialect,
        service: s.service,
        operation: s.operation,
        cases: s.cases,
        cases_per_s: round(s.cases / (s.ms / 1000)),
        status_5xx: s.status_5xx,
        crashes: s.crashes,
        state_changes_on_4xx: s.state_changes_on_4xx,
        unparseable_json: s.unparseable_json,
        no_response: s.no_response,
        known_5xx: s.known_5xx,
        statuses: s.statuses,
      });
    }
    const sum = (
      key: 'status_5xx' | 'crashes' | 'state_changes_on_4xx' | 'unparseable_json' | 'no_response' | 'known_5xx',
    ) => run.stats.reduce((n, s) => n + s[key], 0);
    emit({
      bench: 'fuzz',
      db: dialect,
      service,
      cases: run.cases,
      cases_per_s: round(run.cases / run.seconds),
      status_5xx: sum('status_5xx'),
      crashes: sum('crashes'),
      state_changes_on_4xx: sum('state_changes_on_4xx'),
      unparseable_json: sum('unparseable_json'),
      no_response: sum('no_response'),
      known_5xx: sum('known_5xx'),
    });
    const byKnown = new Map<string, CaseResult>();
    for (const k of run.known) if (!byKnown.has(k.known!)) byKnown.set(k.known!, k);
    for (const [id, first] of byKnown)
      note(
        `known (${id}, branch hardening) ×${run.known.filter((k) => k.known === id).length}, e.g. ${first.status}: ${describeRequest(first.request)}`,
      );
  }
  for (const s of Object.values(started)) await s.process.stop();
  return runs;
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    note(describeError(error));
    return 2;
  }
  const cleanup = new Cleanup();
  process.once('exit', () => cleanup.runSyncFallback());
  const onSignal = () => void cleanup.runAll().finally(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    for (const service of SERVICES)
      if (!fs.existsSync(MAIN(service))) throw new SetupError(`${MAIN(service)} is missing; build first (npx tsc -b)`);
    if (settings.dbs.includes('postgres')) await assertPostgresReachable(settings.pgAdminUrl);
    note(
      `${settings.cases} cases, seed ${settings.seed}, on ${settings.dbs.join(', ')}; ${os.cpus().length} CPUs, ` +
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}; known issues excluded: ${KNOWN_ISSUES.map((k) => k.id).join(', ')}`,
    );
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-fuzz-redis-'));
    cleanup.add(`remove ${redisDir}`, () => fs.rmSync(redisDir, { recursive: true, force: true }));
    const redis = await startRedisServer(cleanup, redisDir);

    const all: FuzzRun[] = [];
    const started = performance.now();
    for (const dialect of settings.dbs) all.push(...(await fuzzDatabase(settings, cleanup, dialect, redis.url)));
    const seconds = (performance.now() - started) / 1000;
    const stats = all.flatMap((run) => run.stats);
    const total = (
      key: 'status_5xx' | 'crashes' | 'state_changes_on_4xx' | 'unparseable_json' | 'no_response' | 'known_5xx',
    ) => stats.reduce((n, s) => n + s[key], 0);
    const cases = all.reduce((n, run) => n + run.cases, 0);
    const fuzzSeconds = all.reduce((n, run) => n + run.seconds, 0);
    const summary = {
      bench: 'fuzz',
      summary: true,
      seed: settings.seed,
      dbs: settings.dbs,
      operations: stats.length,
      cases,
      cases_per_s: round(cases / fuzzSeconds),
      wall_s: round(seconds),
      status_5xx: total('status_5xx'),
      crashes: total('crashes'),
      state_changes_on_4xx: total('state_changes_on_4xx'),
      unparseable_json: total('unparseable_json'),
      no_response: total('no_response'),
      known_5xx: total('known_5xx'),
    };
    emit(summary);
    const found =
      summary.status_5xx +
      summary.crashes +
      summary.state_changes_on_4xx +
      summary.unparseable_json +
      summary.no_response;
    return found > 0 ? 1 : 0;
  } catch (error) {
    note(describeError(error));
    return 1;
  } finally {
    await cleanup.runAll();
  }
}

void main().then((code) => process.exit(code));
