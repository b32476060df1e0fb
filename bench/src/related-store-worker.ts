/**
 * Child of `npm run bench:related` (support/related-store-bench.ts): starts as a worker does
 * against a filled related store (opens the database, reads the store's state), then upserts
 * BENCH_STORE_OPS new posts of the bench's corpus, one transaction each, and prints one JSON
 * line: start time, RSS after start and after the upserts, upsert timings.
 */
import { createDb } from '@careerfeed/db';
import { RelatedStore } from '@careerfeed/posts';
import { createCorpus } from './support/related-corpus';

const round = (x: number): number => Math.round(x * 1000) / 1000;
const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

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
  samples.sort();
  const at = (p: number) => samples[Math.min(ops - 1, Math.max(0, Math.ceil((p / 100) * ops) - 1))]!;
  const report = {
    start_ms: round(startMs),
    process_ready_ms: Math.round(processReadyMs),
    rss_after_start_mb: rssAfterStart,
    upsert: {
      median_ms: round(at(50)),
      p99_ms: round(at(99)),
      max_ms: round(samples[ops - 1]!),
      postings_per_op: Math.round((store.postingsVisited - read) / ops),
      cpu_ms_per_op: round((cpu.user + cpu.system) / 1000 / ops),
    },
    rss_after_upserts_mb: rssMb(),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await db.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
