/**
 * Related-posts engine micro-benchmark: what keeping every post's related list current costs per
 * change, at 10,000 and 100,000 posts, against ranking one post by brute force.
 *
 *   npx tsc -b && node --max-old-space-size=4096 bench/dist/related.bench.js
 *   BENCH_RELATED_SIZES=2000,20000 BENCH_RELATED_OPS=100 node bench/dist/related.bench.js
 *
 * The store-backed index (RelatedStore, what the worker uses since issue 16) is measured at
 * BENCH_RELATED_STORE_SIZES (default 2000) on BENCH_RELATED_STORE (sqlite, postgres, both, or
 * none; default sqlite), each beside the in-memory index at the same size: fill and full
 * recompute, then a worker process starting against the store (start time, RSS) and upserting
 * (see support/related-store-bench.ts).
 *
 * Per corpus size: builds the index in one pass (`build`), then times `upsert` of new posts,
 * `upsert` of edited posts (new content under an existing id), `remove` of existing posts and,
 * as the baseline, `rankFromScratch` (one post scored against every post). Results are JSON
 * lines on stdout; progress goes to stderr. The corpus is synthetic and seeded, so runs repeat:
 * a Zipf-distributed vocabulary of 50,000 words, posts of ~300 words drawn partly (35%) from one
 * of 200 topics' own Zipf vocabularies, 8-word titles, 3–5 tags out of 200 and 20 categories.
 * Topics matter: with purely random words every post would share only rare words with a few
 * others, and posting lists (the cost of an update) would be unrealistically short.
 */
import { RelatedIndex } from '@careerfeed/core';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { createCorpus } from './support/related-corpus';
import {
  emitStoreRatios,
  runStoreSize,
  type StoreRun,
  type StoreSettings,
  storeSettings,
} from './support/related-store-bench';

interface Settings {
  sizes: number[];
  ops: number;
  seed: number;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const sizes = (env.BENCH_RELATED_SIZES ?? '10000,100000').split(',').map((s) => Number(s.trim()));
  const ops = Number(env.BENCH_RELATED_OPS ?? '200');
  const seed = Number(env.BENCH_RELATED_SEED ?? '42');
  const problems: string[] = [];
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n >= 100 && n <= 1_000_000)) {
    problems.push('BENCH_RELATED_SIZES: comma-separated whole numbers from 100 to 1,000,000');
  }
  if (!Number.isInteger(ops) || ops < 10 || ops > 10_000)
    problems.push('BENCH_RELATED_OPS: a whole number from 10 to 10,000');
  if (!Number.isInteger(seed)) problems.push('BENCH_RELATED_SEED: a whole number');
  if (problems.length > 0) throw new Error(`Invalid bench settings:\n  - ${problems.join('\n  - ')}`);
  return { sizes, ops, seed };
}

// ---- measurement ----

function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

interface Timing {
  median_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Garbage-collection pauses that began during the timed ops (V8 minor and major GCs). */
  gc_pauses: number;
  gc_ms: number;
  /** Ops that a GC pause overlapped: when they are over 1%, the p99 includes a GC pause. */
  ops_with_gc: number;
}

// GC pauses as they are reported (after the fact, on the event loop): start and duration.
const gcPauses: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, duration: entry.duration });
}).observe({ entryTypes: ['gc'] });

/** Lets the GC observer deliver the entries of the ops just timed (it reports asynchronously). */
const flushGcEntries = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

async function time(count: number, op: (i: number) => void): Promise<Timing> {
  const samples = new Float64Array(count);
  const spans = new Float64Array(2 * count);
  const first = gcPauses.length;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    op(i);
    const ended = performance.now();
    samples[i] = ended - started;
    spans[2 * i] = started;
    spans[2 * i + 1] = ended;
  }
  await flushGcEntries();
  const pauses = gcPauses.slice(first).filter(({ start }) => start >= spans[0]! && start <= spans[2 * count - 1]!);
  let opsWithGc = 0;
  for (let i = 0; i < count; i++) {
    if (pauses.some(({ start, duration }) => start < spans[2 * i + 1]! && start + duration > spans[2 * i]!))
      opsWithGc++;
  }
  samples.sort();
  return {
    median_ms: round(percentile(samples, 50)),
    p99_ms: round(percentile(samples, 99)),
    max_ms: round(samples[count - 1]!),
    gc_pauses: pauses.length,
    gc_ms: round(pauses.reduce((sum, { duration }) => sum + duration, 0)),
    ops_with_gc: opsWithGc,
  };
}

const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'related', ...line })}\n`);
}

async function runSize(
  posts: number,
  settings: Settings,
  withStore: StoreSettings | undefined,
): Promise<{ upsertMedian: number }> {
  const corpus = createCorpus(settings.seed);
  process.stderr.write(`related: generating ${posts} posts…\n`);
  const docs = Array.from({ length: posts }, (_, i) => corpus.next(`post-${i}`));
  const fresh = Array.from({ length: settings.ops }, (_, i) => corpus.next(`new-${i}`));
  const edits = Array.from({ length: settings.ops }, (_, i) => corpus.next(`post-${(i * 7919) % posts}`));
  // The store first: at 100,000 posts its fill is the long part, and a run stopped during the
  // in-memory baseline after it still has the store's own figures.
  const storeRuns: StoreRun[] =
    withStore === undefined
      ? []
      : await runStoreSize(posts, docs, { seed: settings.seed, ops: settings.ops }, withStore, emit);

  process.stderr.write(`related: building the index over ${posts} posts…\n`);
  const buildStarted = performance.now();
  // Auto-rebuilds are for small corpora; here they would only add noise to the timings.
  const index = RelatedIndex.build(docs, { k: 3, rebuildWhileBelow: 0 });
  const buildMs = performance.now() - buildStarted;
  const buildRssMb = peakRssMb();
  emit({
    posts,
    op: 'build',
    total_ms: Math.round(buildMs),
    per_post_ms: round(buildMs / posts),
    postings_per_post: Math.round(index.postingsVisited / posts),
    rss_mb: peakRssMb(),
  });

  let changedLists = 0;
  let visitedBefore = index.postingsVisited;
  const upsert = await time(settings.ops, (i) => {
    changedLists += index.upsert(fresh[i]!).changed.size;
  });
  emit({
    posts,
    op: 'upsert',
    ...upsert,
    lists_changed_per_op: round(changedLists / settings.ops),
    postings_per_op: Math.round((index.postingsVisited - visitedBefore) / settings.ops),
  });

  changedLists = 0;
  visitedBefore = index.postingsVisited;
  const edit = await time(settings.ops, (i) => {
    changedLists += index.upsert(edits[i]!).changed.size;
  });
  emit({
    posts,
    op: 'edit',
    ...edit,
    lists_changed_per_op: round(changedLists / settings.ops),
    postings_per_op: Math.round((index.postingsVisited - visitedBefore) / settings.ops),
  });

  changedLists = 0;
  visitedBefore = index.postingsVisited;
  const remove = await time(settings.ops, (i) => {
    changedLists += index.remove(`post-${(i * 104_729 + 1) % posts}`).changed.size;
  });
  emit({
    posts,
    op: 'remove',
    ...remove,
    lists_changed_per_op: round(changedLists / settings.ops),
    postings_per_op: Math.round((index.postingsVisited - visitedBefore) / settings.ops),
  });

  // Brute force is slow at scale; a quarter of the samples is plenty for a median.
  const bruteCount = Math.max(10, Math.floor(settings.ops / 4));
  const brute = await time(bruteCount, (i) => {
    index.rankFromScratch(fresh[i]!.id);
  });
  emit({
    posts,
    op: 'brute_force_one_post',
    ...brute,
    note: 'one post scored against every post; a from-scratch update would also re-rank every post whose list it may enter',
  });
  emit({ posts, op: 'ratio', brute_force_over_upsert_median: round(brute.median_ms / upsert.median_ms) });
  emit({
    posts,
    op: 'memory',
    peak_rss_mb: peakRssMb(),
    heap_used_mb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  });
  // The baseline of a worker's start is what it did before the shared store: build the index.
  emitStoreRatios(posts, storeRuns, { buildMs, upsertMedianMs: upsert.median_ms, rssMb: buildRssMb }, emit);
  return { upsertMedian: upsert.median_ms };
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const stores = storeSettings(process.env);
  const medians: { posts: number; upsertMedian: number }[] = [];
  // The store-backed index at its own sizes (a fill is far slower than an in-memory build),
  // each with the in-memory index measured at the same size in the same run.
  for (const posts of stores.dialects.length > 0 ? stores.sizes : []) {
    await runSize(posts, settings, stores);
    global.gc?.();
  }
  for (const posts of settings.sizes) {
    medians.push({ posts, ...(await runSize(posts, settings, undefined)) });
    // Let the previous index go before building the next one, so peak memory is per size.
    global.gc?.();
  }
  for (let i = 1; i < medians.length; i++) {
    const from = medians[i - 1]!;
    const to = medians[i]!;
    emit({
      op: 'growth',
      from_posts: from.posts,
      to_posts: to.posts,
      posts_ratio: round(to.posts / from.posts),
      upsert_median_ratio: round(to.upsertMedian / from.upsertMedian),
    });
  }
}

void main();
