/**
 * Related-posts engine micro-benchmark: what keeping every post's related list current costs per
 * change, at 10,000 and 100,000 posts, against ranking one post by brute force.
 *
 *   npx tsc -b && node --max-old-space-size=4096 bench/dist/related.bench.js
 *   BENCH_RELATED_SIZES=2000,20000 BENCH_RELATED_OPS=100 node bench/dist/related.bench.js
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
// Deep import until packages/core/src/index.ts re-exports the related module.
import { type RelatedDocument, RelatedIndex } from '@careerfeed/core';
import { performance, PerformanceObserver } from 'node:perf_hooks';

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

// ---- seeded synthetic corpus ----

/** mulberry32: small, fast, good enough for workloads, and the same on every machine. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws indexes 0..n-1 with probability ∝ 1/(rank+1)^s (Zipf), by binary search on the CDF. */
function createZipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cdf[i] = sum;
  }
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const VOCABULARY = 50_000;
const TOPICS = 200;
const TOPIC_WORDS = 400;
const TOPIC_SHARE = 0.35;
const TAGS = 200;
const CATEGORIES = 20;
const WORDS_PER_POST = 300;
const TITLE_WORDS = 8;

/** Distinct pronounceable words ("kavelo"), so the analyzer and stemmer do real work. */
function makeVocabulary(size: number, random: () => number): string[] {
  const consonants = 'bcdfghjklmnprstvwz';
  const vowels = 'aeiou';
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) {
      word += consonants[Math.floor(random() * consonants.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    }
    words.add(word);
  }
  return [...words];
}

interface Corpus {
  next(id: string): RelatedDocument;
}

function createCorpus(seed: number): Corpus {
  const random = createRandom(seed);
  const vocabulary = makeVocabulary(VOCABULARY, random);
  const general = createZipf(VOCABULARY, 1.0, random);
  // A topic's words come from the less common part of the vocabulary, as topic words do.
  const topics = Array.from({ length: TOPICS }, () => ({
    words: Array.from({ length: TOPIC_WORDS }, () => vocabulary[500 + Math.floor(random() * (VOCABULARY - 500))]!),
    tags: Array.from({ length: 6 }, () => Math.floor(random() * TAGS)),
  }));
  const inTopic = createZipf(TOPIC_WORDS, 1.0, random);
  const tagNames = Array.from({ length: TAGS }, (_, i) => `${vocabulary[i * 7 + 3]!}-${vocabulary[i * 11 + 5]!}`);

  const word = (topic: (typeof topics)[number]): string =>
    random() < TOPIC_SHARE ? topic.words[inTopic()]! : vocabulary[general()]!;

  return {
    next(id) {
      const topicIndex = Math.floor(random() * TOPICS);
      const topic = topics[topicIndex]!;
      const title = Array.from({ length: TITLE_WORDS }, () => word(topic)).join(' ');
      const sentences: string[] = [];
      for (let written = 0; written < WORDS_PER_POST;) {
        const length = Math.min(WORDS_PER_POST - written, 8 + Math.floor(random() * 12));
        sentences.push(`${Array.from({ length }, () => word(topic)).join(' ')}.`);
        written += length;
      }
      const tagCount = 3 + Math.floor(random() * 3);
      const tags = new Set<string>();
      while (tags.size < tagCount) {
        const tag =
          random() < 0.7 ? topic.tags[Math.floor(random() * topic.tags.length)]! : Math.floor(random() * TAGS);
        tags.add(tagNames[tag]!);
      }
      return { id, title, text: sentences.join(' '), tags: [...tags], category: `category-${topicIndex % CATEGORIES}` };
    },
  };
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

async function runSize(posts: number, settings: Settings): Promise<{ upsertMedian: number }> {
  const corpus = createCorpus(settings.seed);
  process.stderr.write(`related: generating ${posts} posts…\n`);
  const docs = Array.from({ length: posts }, (_, i) => corpus.next(`post-${i}`));
  const fresh = Array.from({ length: settings.ops }, (_, i) => corpus.next(`new-${i}`));
  const edits = Array.from({ length: settings.ops }, (_, i) => corpus.next(`post-${(i * 7919) % posts}`));

  process.stderr.write(`related: building the index over ${posts} posts…\n`);
  const buildStarted = performance.now();
  // Auto-rebuilds are for small corpora; here they would only add noise to the timings.
  const index = RelatedIndex.build(docs, { k: 3, rebuildWhileBelow: 0 });
  const buildMs = performance.now() - buildStarted;
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
  return { upsertMedian: upsert.median_ms };
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const medians: { posts: number; upsertMedian: number }[] = [];
  for (const posts of settings.sizes) {
    medians.push({ posts, ...(await runSize(posts, settings)) });
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
