/**
 * Child of `npm run bench:related` (support/related-store-bench.ts): starts as a worker does
 * against a filled related store (opens the database, reads the store's state), then upserts
 * BENCH_STORE_OPS new posts of the bench's corpus, one transaction each, then runs
 * BENCH_STORE_REWEIGH_ROUNDS rounds of the rolling re-weigh as the worker's thread does (the
 * stalest posts, at most REWEIGH_BATCH a round, none started after REWEIGH_BUDGET_MS), each
 * followed by an upsert as the post event's sync the thread takes next, and prints one JSON line:
 * start time, RSS after start and after the upserts, upsert and re-weigh timings.
 */
import { createDb } from '@careerfeed/db';
import { RelatedStore } from '@careerfeed/posts';
import { createCorpus } from './support/related-corpus';

const round = (x: number): number => Math.round(x * 1000) / 1000;

// The worker's defaults (services/worker, related-posts.engine.ts).
const REWEIGH_BATCH = 50;
const REWEIGH_BUDGET_MS = 250;
const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
const heapAfterGcMb = (): number => {
  global.gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
};

async function main(): Promise<void> {
  const url = process.env.BENCH_STORE_URL!;
  const posts = Number(process.env.BENCH_STORE_POSTS);
  const ops = Number(process.env.BENCH_STORE_OPS);
  const seed = Number(process.env.BENCH_STORE_SEED);
  const now = '2026-12-07T01:00:00.000Z';

  const started = performance.now();
  const db = createDb(url, { poolSize: 2 });
  const store = new RelatedStore({ k: 3 });
  // What the worker's engine reads at start: the store's state, nothing else.
  const state = await store.state(db.kysely);
  const startMs = performance.now() - started;
  if (state.posts !== posts) throw new Error(`the store holds ${state.posts} posts, expected ${posts}`);
  global.gc?.();
  const rssAfterStart = rssMb();
  const processReadyMs = process.uptime() * 1000;

  // The same corpus as the bench's: the posts already stored are drawn and dropped.
  const corpus = createCorpus(seed);
  for (let i = 0; i < posts; i++) corpus.next(`post-${i}`);
  const fresh = Array.from({ length: ops }, (_, i) => corpus.next(`new-${i}`));
  global.gc?.();

  const samples = new Float64Array(ops);
  const read = store.postingsVisited;
  // CPU time of this process (the driver's and SQLite's work included, not PostgreSQL's): on a
  // machine shared with other jobs, wall times mostly measure the wait for a core.
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < ops; i++) {
    const t = performance.now();
    await db.kysely.transaction().execute((trx) => store.upsert(trx, fresh[i]!, now));
    samples[i] = performance.now() - t;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const upsertPostings = store.postingsVisited - read;
  const rssAfterUpserts = rssMb();
  samples.sort();
  const at = (p: number) => samples[Math.min(ops - 1, Math.max(0, Math.ceil((p / 100) * ops) - 1))]!;

  // Rolling re-weigh rounds, an hour on: every post is staler than the new ones' time, so each
  // round takes a full batch of the stalest (the fill's posts) unless the budget cuts it short.
  const rounds = Number(process.env.BENCH_STORE_REWEIGH_ROUNDS ?? '20');
  const later = '2026-12-07T02:00:00.000Z';
  const extra = Array.from({ length: rounds }, (_, i) => corpus.next(`behind-round-${i}`));
  const roundMs = new Float64Array(rounds);
  const behindMs = new Float64Array(rounds);
  let reweighed = 0;
  let reweighCpuUs = 0;
  let reweighListsChanged = 0;
  const reweighRead = store.postingsVisited;
  for (let i = 0; i < rounds; i++) {
    const cpuAtStart = process.cpuUsage();
    const t = performance.now();
    const outcome = await db.kysely
      .transaction()
      .execute((trx) =>
        store.reweighStalest(trx, later, REWEIGH_BATCH, { atLeast: REWEIGH_BATCH, deadline: t + REWEIGH_BUDGET_MS }),
      );
    roundMs[i] = performance.now() - t;
    const used = process.cpuUsage(cpuAtStart);
    reweighCpuUs += used.user + used.system;
    reweighed += outcome.reweighed;
    reweighListsChanged += outcome.changed.size;
    // The sync sent as the round started: it runs once the round is done (the thread takes
    // requests in order), so it is answered after the round and its own work.
    await db.kysely.transaction().execute((trx) => store.upsert(trx, extra[i]!, later));
    behindMs[i] = performance.now() - t;
  }
  const reweighPostings = store.postingsVisited - reweighRead;
  roundMs.sort();
  behindMs.sort();
  const median = (sorted: Float64Array) => sorted[Math.floor((sorted.length - 1) / 2)]!;
  const perPostMs = roundMs.reduce((sum, ms) => sum + ms, 0) / reweighed;
  const cpuPerPostMs = reweighCpuUs / 1000 / reweighed;
  const report = {
    start_ms: round(startMs),
    process_ready_ms: Math.round(processReadyMs),
    rss_after_start_mb: rssAfterStart,
    upsert: {
      median_ms: round(at(50)),
      p99_ms: round(at(99)),
      max_ms: round(samples[ops - 1]!),
      postings_per_op: Math.round(upsertPostings / ops),
      cpu_ms_per_op: round((cpu.user + cpu.system) / 1000 / ops),
    },
    reweigh: {
      rounds,
      posts_per_round: round(reweighed / rounds),
      per_post_ms: round(perPostMs),
      cpu_ms_per_post: round(cpuPerPostMs),
      postings_per_post: Math.round(reweighPostings / reweighed),
      lists_changed_per_post: round(reweighListsChanged / reweighed),
      round_median_ms: round(median(roundMs)),
      round_max_ms: round(roundMs[rounds - 1]!),
      sync_behind_round_median_ms: round(median(behindMs)),
      sync_behind_round_max_ms: round(behindMs[rounds - 1]!),
      // A whole pass over 100,000 posts per day (RELATED_REBUILD_INTERVAL_HOURS=24) at this
      // per-post time: the share of one core it keeps busy.
      day_share_at_100000_posts: round((perPostMs * 100_000) / 86_400_000),
      cpu_day_share_at_100000_posts: round((cpuPerPostMs * 100_000) / 86_400_000),
    },
    rss_after_upserts_mb: rssAfterUpserts,
    rss_after_reweigh_mb: rssMb(),
    // After a full GC: what the rounds left allocated, apart from what V8 keeps of its heap.
    heap_after_reweigh_gc_mb: heapAfterGcMb(),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await db.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
