import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RelatedDocument } from '@careerfeed/core';
import { type Dialect, createDb, sql } from '@careerfeed/db';
import { RelatedStore } from '@careerfeed/posts';
import { Cleanup } from './cleanup';
import { createStore } from './stores';

/**
 * The store-backed related index (RelatedStore, the worker's since issue 16) in
 * `npm run bench:related`: fill and full recompute of a database at one size, then a fresh
 * process that starts as a worker does against it (opens the database, reads the store's state)
 * and upserts new posts, reporting its start time and RSS. A child process, so that its RSS is a
 * worker's and not the bench's, which holds the corpus and the in-memory baseline.
 */

export interface StoreSettings {
  dialects: Dialect[];
  sizes: number[];
  pgAdminUrl: string;
}

export function storeSettings(env: NodeJS.ProcessEnv): StoreSettings {
  const dialects = (env.BENCH_RELATED_STORE ?? 'sqlite')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d !== 'none');
  if (!dialects.every((d) => d === 'sqlite' || d === 'postgres')) {
    throw new Error(
      'Invalid bench settings:\n  - BENCH_RELATED_STORE: sqlite, postgres, both comma-separated, or none',
    );
  }
  const sizes = (env.BENCH_RELATED_STORE_SIZES ?? '2000').split(',').map((s) => Number(s.trim()));
  if (!sizes.every((n) => Number.isInteger(n) && n >= 100 && n <= 1_000_000)) {
    throw new Error(
      'Invalid bench settings:\n  - BENCH_RELATED_STORE_SIZES: comma-separated whole numbers from 100 to 1,000,000',
    );
  }
  return {
    dialects: dialects as Dialect[],
    sizes,
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

// Posts per transaction of the fill and the recompute, as the worker's default page.
const PAGE = 200;
const NOW = '2026-12-07T00:00:00.000Z';

// At most one progress line this often: a fill at 100,000 posts runs for tens of minutes.
const PROGRESS_EVERY_MS = 10_000;

/** Progress of a long phase on stderr, throttled: phase, posts done, elapsed. */
function progress(label: string, total: number): (done: number, phase: string) => void {
  const started = performance.now();
  let last = started;
  return (done, phase) => {
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    const seconds = Math.round((now - started) / 1000);
    process.stderr.write(`related: ${label}: ${phase} ${Math.min(done, total)}/${total} posts, ${seconds} s\n`);
  };
}

/** Fills the store with `docs` the way a worker's first start does; returns the two phases' times. */
async function fill(
  url: string,
  docs: readonly RelatedDocument[],
  label: string,
): Promise<{ addMs: number; recomputeMs: number }> {
  const db = createDb(url, { poolSize: 1 });
  const store = new RelatedStore({ k: 3 });
  const report = progress(label, docs.length);
  try {
    const started = performance.now();
    await store.reset(db.kysely, NOW, true);
    for (let i = 0; i < docs.length; i += PAGE) {
      const page = docs.slice(i, i + PAGE);
      await db.kysely.transaction().execute((trx) => store.addUnranked(trx, page, NOW));
      report(i + page.length, 'add unranked');
    }
    const added = performance.now();
    await store.beginRecompute(db.kysely, NOW);
    for (const phase of ['weigh', 'expand', 'link'] as const) {
      let after: number | undefined = -1;
      while (after !== undefined) {
        const from: number = after;
        after = await db.kysely.transaction().execute((trx) => store.recomputePhase(trx, phase, from, PAGE, NOW));
        // Slots are handed out in order from 0 by the fill, so the last slot done counts the posts.
        if (after !== undefined) report(after + 1, `recompute ${phase}`);
      }
    }
    await store.finishFill(db.kysely, NOW);
    return { addMs: added - started, recomputeMs: performance.now() - added };
  } finally {
    await db.close();
  }
}

/** The database's size on disk after the fill: the SQLite file with its WAL, or pg_database_size. */
async function databaseMb(url: string): Promise<number> {
  const bytes = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return Math.round((bytes(file) + bytes(`${file}-wal`)) / 2 ** 20);
  }
  const db = createDb(url, { poolSize: 1 });
  try {
    const { rows } = await sql<{ size: string }>`select pg_database_size(current_database()) as size`.execute(
      db.kysely,
    );
    return Math.round(Number(rows[0]!.size) / 2 ** 20);
  } finally {
    await db.close();
  }
}

export interface WorkerReport {
  start_ms: number;
  process_ready_ms: number;
  rss_after_start_mb: number;
  upsert: { median_ms: number; p99_ms: number; max_ms: number; postings_per_op: number; cpu_ms_per_op: number };
  reweigh: { per_post_ms: number; round_max_ms: number; sync_behind_round_max_ms: number };
  rss_after_upserts_mb: number;
  peak_rss_mb: number;
}

export interface MemoryBaseline {
  buildMs: number;
  upsertMedianMs: number;
  rssMb: number;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export interface StoreRun {
  dialect: Dialect;
  recomputeMs: number;
  report: WorkerReport;
}

/**
 * Fills a store of each dialect with `docs` and runs a worker process against it, emitting the
 * `fill` and `worker` lines as each is done. The in-memory baseline is measured after this (see
 * `emitStoreRatios`), so that a run cut short at a large size still has the store's figures.
 */
export async function runStoreSize(
  posts: number,
  docs: readonly RelatedDocument[],
  options: { seed: number; ops: number },
  settings: StoreSettings,
  emit: (line: Record<string, unknown>) => void,
): Promise<StoreRun[]> {
  const cleanup = new Cleanup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-related-'));
  cleanup.add('remove temp dir', () => fs.rmSync(dir, { recursive: true, force: true }));
  const runs: StoreRun[] = [];
  try {
    for (const dialect of settings.dialects) {
      process.stderr.write(`related: filling the ${dialect} store with ${posts} posts…\n`);
      const store = await createStore(cleanup, dialect, `related_${posts}`, { dir, pgAdminUrl: settings.pgAdminUrl });
      const { addMs, recomputeMs } = await fill(store.url, docs, `${dialect} fill`);
      emit({
        posts,
        store: dialect,
        op: 'fill',
        add_unranked_ms: Math.round(addMs),
        add_unranked_per_post_ms: round(addMs / posts),
        recompute_ms: Math.round(recomputeMs),
        recompute_per_post_ms: round(recomputeMs / posts),
        database_mb: await databaseMb(store.url),
      });
      process.stderr.write(`related: a worker starting against the ${dialect} store…\n`);
      const spawned = performance.now();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--expose-gc', path.join(__dirname, '..', 'related-store-worker.js')],
        {
          env: {
            ...process.env,
            BENCH_STORE_URL: store.url,
            BENCH_STORE_POSTS: String(posts),
            BENCH_STORE_OPS: String(options.ops),
            BENCH_STORE_SEED: String(options.seed),
          },
          maxBuffer: 1 << 20,
        },
      );
      const wallMs = performance.now() - spawned;
      const report = JSON.parse(stdout.trim().split('\n').pop()!) as WorkerReport;
      emit({ posts, store: dialect, op: 'worker', ...report, child_wall_ms: Math.round(wallMs) });
      runs.push({ dialect, recomputeMs, report });
    }
  } finally {
    await cleanup.runAll();
  }
  return runs;
}

/** Each store run against the in-memory index of the same posts, measured after it in the same run. */
export function emitStoreRatios(
  posts: number,
  runs: readonly StoreRun[],
  baseline: MemoryBaseline,
  emit: (line: Record<string, unknown>) => void,
): void {
  for (const { dialect, recomputeMs, report } of runs) {
    emit({
      posts,
      store: dialect,
      op: 'store_ratio',
      recompute_over_memory_build: round(recomputeMs / baseline.buildMs),
      start_over_memory_build: round(report.start_ms / baseline.buildMs),
      rss_after_upserts_over_memory_rss: round(report.rss_after_upserts_mb / baseline.rssMb),
      upsert_median_over_memory: round(report.upsert.median_ms / baseline.upsertMedianMs),
      // A re-weigh is an upsert of a post as it is: the same work, so about the same time.
      reweigh_post_over_upsert_median: round(report.reweigh.per_post_ms / report.upsert.median_ms),
      // The rolling re-weigh against the full recompute it replaces (per post, same store).
      reweigh_post_over_recompute_post: round((report.reweigh.per_post_ms * posts) / recomputeMs),
    });
  }
}
