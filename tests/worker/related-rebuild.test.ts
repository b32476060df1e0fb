import { type PostsDeps, createPost, importPost, updatePost } from '@careerfeed/posts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RANKING_VERSION, type RelatedDocument, rankAll } from '@careerfeed/core';
import { uuidv7 } from '@careerfeed/db';
import {
  type RebuildOutcome,
  type RelatedPostsMaintainer,
  type ReweighOutcome,
  createRelatedPostsMaintainer,
  findVisibleDocuments,
  relatedReweighMetrics,
} from '@careerfeed/worker';
import { Registry } from 'prom-client';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { readSampleBlog } from '../helpers/sample-blog';

const fixture = readSampleBlog();

const HOUR = 3_600_000;

/** What a test sees of one maintainer: it, its full recomputes and its re-weigh rounds as they are reported. */
interface Harness {
  maintainer: RelatedPostsMaintainer;
  rebuilds: RebuildOutcome[];
  /** Rounds of the rolling re-weigh that re-weighed posts, as announced (`onReweighed`). */
  reweighs: ReweighOutcome[];
  /** Resolves with the next recompute reported after this call. */
  nextRebuild(): Promise<RebuildOutcome>;
}

function startHarness(
  database: TestDatabase,
  now: () => Date,
  options: { rebuildIntervalMs: number; reweighBudgetMs?: number; reweighBatchPosts?: number; reweighIdleMs?: number },
  started: Harness[],
): Harness {
  const rebuilds: RebuildOutcome[] = [];
  const reweighs: ReweighOutcome[] = [];
  const waiting: ((outcome: RebuildOutcome) => void)[] = [];
  const maintainer = createRelatedPostsMaintainer({
    databaseUrl: database.url,
    k: 3,
    now,
    rebuildIntervalMs: options.rebuildIntervalMs,
    // Unless a test says otherwise, rounds only when it asks for one (maintainer.reweigh()).
    reweighIdleMs: options.reweighIdleMs ?? 0,
    // Wide enough that a loaded machine does not cut rounds short where a test counts posts.
    reweighBudgetMs: options.reweighBudgetMs ?? 60_000,
    reweighBatchPosts: options.reweighBatchPosts,
    onRebuilt: (outcome) => {
      rebuilds.push(outcome);
      for (const resolve of waiting.splice(0)) resolve(outcome);
    },
    onReweighed: (outcome) => {
      reweighs.push(outcome);
    },
  });
  const harness = {
    maintainer,
    rebuilds,
    reweighs,
    nextRebuild: () => new Promise<RebuildOutcome>((resolve) => waiting.push(resolve)),
  };
  started.push(harness);
  return harness;
}

/** Runs rounds until one leaves nothing due; returns the posts re-weighed. */
async function reweighUntilDone(maintainer: RelatedPostsMaintainer): Promise<number> {
  let reweighed = 0;
  for (let rounds = 0; rounds < 1000; rounds++) {
    const outcome = await maintainer.reweigh();
    reweighed += outcome.reweighed;
    if (!outcome.more) return reweighed;
  }
  throw new Error('the re-weigh never ran out of due posts');
}

async function storedLists(database: TestDatabase): Promise<Map<string, string[]>> {
  const rows = await database.db.kysely
    .selectFrom('related_posts')
    .selectAll()
    .orderBy('post_id')
    .orderBy('rank')
    .execute();
  const lists = new Map<string, string[]>();
  for (const row of rows) lists.set(row.post_id, [...(lists.get(row.post_id) ?? []), row.related_id]);
  return lists;
}

/** When each post in the store was last weighed. */
async function weighedAt(database: TestDatabase): Promise<Map<string, string>> {
  const rows = await database.db.kysely.selectFrom('related_store_posts').select(['post_id', 'weighed_at']).execute();
  return new Map(rows.map((row) => [row.post_id, row.weighed_at]));
}

/** related_posts holds the first 3 of each list the store keeps, for every post. */
async function expectStoredListsMatchTheStore(database: TestDatabase): Promise<void> {
  const stored = await storedLists(database);
  const neighbors = await database.db.kysely
    .selectFrom('related_store_neighbors')
    .innerJoin('related_store_posts', 'related_store_posts.slot', 'related_store_neighbors.slot')
    .select(['related_store_posts.post_id', 'related_store_neighbors.rank', 'related_store_neighbors.neighbor_id'])
    .orderBy('related_store_posts.post_id')
    .orderBy('related_store_neighbors.rank')
    .execute();
  const fromStore = new Map<string, string[]>();
  for (const row of neighbors) {
    const list = fromStore.get(row.post_id) ?? [];
    if (list.length < 3) list.push(row.neighbor_id);
    fromStore.set(row.post_id, list);
  }
  expect(stored).toEqual(fromStore);
}

/** Posts whose stored list differs between two snapshots. */
function differing(before: Map<string, string[]>, after: Map<string, string[]>): string[] {
  const ids = new Set([...before.keys(), ...after.keys()]);
  return [...ids].filter((id) => JSON.stringify(before.get(id) ?? []) !== JSON.stringify(after.get(id) ?? [])).sort();
}

/** The full recompute's answer for the posts visible now, as stored lists (posts with none left out). */
async function expectedLists(database: TestDatabase, at: Date): Promise<Map<string, string[]>> {
  const docs: RelatedDocument[] = await findVisibleDocuments(database.db.kysely, at.toISOString());
  const lists = new Map<string, string[]>();
  for (const [id, entries] of rankAll(docs, 3)) {
    if (entries.length > 0)
      lists.set(
        id,
        entries.map((entry) => entry.id),
      );
  }
  return new Map([...lists].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe.each(DIALECTS)('the related index kept from drifting by the worker (%s)', (dialect) => {
  let database: TestDatabase;
  let deps: PostsDeps;
  let clock = new Date('2026-07-01T00:00:00Z');
  const now = () => clock;
  const harnesses: Harness[] = [];

  async function importFixturePosts(posts: typeof fixture.posts): Promise<void> {
    for (const post of posts) {
      const author = fixture.authors.find((a) => a.slug === post.author)!;
      await importPost(deps, { ...post, author: { slug: author.slug, name: author.name } });
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    deps = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
  });
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.maintainer.close()));
  });
  afterAll(() => database.drop());

  test('when the index has grown by half, then no full recompute follows; re-weigh rounds renew the posts weighed before the growth, announce every list they change, and two passes over all posts end at what rankAll gives', async () => {
    await importFixturePosts(fixture.posts.slice(0, 32));
    const { maintainer, rebuilds, reweighs, nextRebuild } = startHarness(
      database,
      now,
      { rebuildIntervalMs: 2 * HOUR, reweighBatchPosts: 10 },
      harnesses,
    );
    // The first start fills the shared index (reported like a recompute): the one full recompute.
    const filled = nextRebuild();
    await maintainer.init();
    expect((await filled).posts).toBe(32);
    rebuilds.splice(0);
    const filledAt = await weighedAt(database);
    // The last third incrementally: 32 → 48, more than a quarter.
    await importFixturePosts(fixture.posts.slice(32));
    clock = new Date(clock.getTime() + 60_000);

    const changed = await maintainer.sync();

    expect(changed.length).toBeGreaterThanOrEqual(16);
    expect(maintainer.rebuilding).toBe(false);
    const beforeRounds = await storedLists(database);
    // The growth makes the 32 posts weighed before it due; rounds of at most 10 take them in turn.
    expect(await reweighUntilDone(maintainer)).toBe(32);
    expect(reweighs.every((round) => round.reweighed <= 10)).toBe(true);
    const renewed = await weighedAt(database);
    for (const [id, when] of filledAt) expect({ id, renewed: renewed.get(id)! > when }).toEqual({ id, renewed: true });
    // Nothing else is due until time passes.
    expect((await maintainer.reweigh()).reweighed).toBe(0);

    // Every list the rounds changed was announced (and persisted with them).
    const announced = new Set(reweighs.flatMap((round) => round.changed));
    expect(announced.size).toBeGreaterThan(0);
    const afterDrift = await storedLists(database);
    for (const id of differing(beforeRounds, afterDrift))
      expect({ id, announced: announced.has(id) }).toEqual({ id, announced: true });
    await expectStoredListsMatchTheStore(database);

    // The interval passes, twice: every post is due once more each time. A post re-expanded in
    // the first pass may still have met a feedback post's base vector weighed by older statistics
    // (the 16 new posts were weighed as the store grew); after the second, every vector and list
    // is what a full recompute gives.
    const expected = await expectedLists(database, clock);
    let lists = afterDrift;
    reweighs.splice(0);
    for (let pass = 1; pass <= 2; pass++) {
      clock = new Date(clock.getTime() + 2 * HOUR);
      expect(await reweighUntilDone(maintainer)).toBe(48);
      const afterPass = await storedLists(database);
      const announcedInPass = new Set(reweighs.flatMap((round) => round.changed));
      for (const id of differing(lists, afterPass))
        expect({ id, announced: announcedInPass.has(id) }).toEqual({ id, announced: true });
      lists = afterPass;
    }
    expect(lists).toEqual(expected);
    expect(rebuilds).toHaveLength(0);

    // What the worker's /metrics shows of the rounds.
    const registry = new Registry();
    const observe = relatedReweighMetrics(registry);
    for (const round of reweighs) observe(round);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`related_reweigh_round_seconds_count ${reweighs.length}`);
    expect(metrics).toContain('related_reweigh_posts_total 96');
    expect(metrics).toContain(
      `related_reweigh_changed_lists_total ${reweighs.reduce((n, r) => n + r.changed.length, 0)}`,
    );
  });

  test('when time passes, then rounds re-weigh the stalest posts at a pace of the whole index per interval, shared by two workers, and never recompute', async () => {
    const first = startHarness(database, now, { rebuildIntervalMs: 2 * HOUR }, harnesses);
    const second = startHarness(database, now, { rebuildIntervalMs: 2 * HOUR }, harnesses);
    await Promise.all([first.maintainer.init(), second.maintainer.init()]);
    // Edits of more than a quarter of the posts: before, a full recompute; now only syncs.
    const posts = await database.db.kysely.selectFrom('posts').select(['id', 'title']).orderBy('id').execute();
    clock = new Date(clock.getTime() + 60_000);
    for (const post of posts.slice(0, 13)) await updatePost(deps, post.id, { title: `${post.title}: a second look` });
    expect((await first.maintainer.sync()).length).toBeGreaterThanOrEqual(13);
    expect(first.maintainer.rebuilding).toBe(false);
    // A round right after: nothing is owed yet (the pace starts from the last round), none overdue.
    await Promise.all([first.maintainer.reweigh(), second.maintainer.reweigh()]);
    const start = await weighedAt(database);
    const listsAtStart = await storedLists(database);
    first.reweighs.splice(0);
    second.reweighs.splice(0);

    // Half the interval: half the posts are owed, and two workers running rounds at once
    // re-weigh them once between them (the pace is shared, the lock serializes the rounds).
    clock = new Date(clock.getTime() + HOUR);
    const firstHalf = await Promise.all([reweighUntilDone(first.maintainer), reweighUntilDone(second.maintainer)]);
    expect(firstHalf[0] + firstHalf[1]).toBe(24);
    const half = await weighedAt(database);
    const renewed = [...half].filter(([id, when]) => when > start.get(id)!).map(([id]) => id);
    expect(renewed).toHaveLength(24);
    // Stalest first: every post renewed had been weighed no later than any post left.
    const latestRenewed = Math.max(...renewed.map((id) => Date.parse(start.get(id)!)));
    for (const [id, when] of start)
      if (!renewed.includes(id)) expect(Date.parse(when)).toBeGreaterThanOrEqual(latestRenewed);

    // The other half: every post re-weighed once in the interval.
    clock = new Date(clock.getTime() + HOUR);
    const secondHalf = await Promise.all([reweighUntilDone(second.maintainer), reweighUntilDone(first.maintainer)]);
    expect(secondHalf[0] + secondHalf[1]).toBe(24);
    for (const [id, when] of await weighedAt(database))
      expect({ id, renewed: when > start.get(id)! }).toEqual({ id, renewed: true });
    expect([...first.rebuilds, ...second.rebuilds]).toHaveLength(0);
    await expectStoredListsMatchTheStore(database);
    // Whichever worker ran the round announced what it changed.
    const announced = new Set([...first.reweighs, ...second.reweighs].flatMap((round) => round.changed));
    for (const id of differing(listsAtStart, await storedLists(database)))
      expect({ id, announced: announced.has(id) }).toEqual({ id, announced: true });
  });

  test('when posts are due, then rounds run on their own timer until none is left, and announce what they change', async () => {
    const { maintainer, reweighs } = startHarness(
      database,
      now,
      { rebuildIntervalMs: 2 * HOUR, reweighIdleMs: 30, reweighBatchPosts: 7 },
      harnesses,
    );
    await maintainer.init();
    const posts = (await weighedAt(database)).size;
    // A whole interval: every post is due.
    clock = new Date(clock.getTime() + 2 * HOUR);
    const deadline = Date.now() + 60_000;
    while (reweighs.reduce((n, round) => n + round.reweighed, 0) < posts && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(reweighs.reduce((n, round) => n + round.reweighed, 0)).toBe(posts);
    expect(reweighs.length).toBeGreaterThanOrEqual(Math.ceil(posts / 7));
    for (const [id, when] of await weighedAt(database)) expect({ id, when }).toEqual({ id, when: clock.toISOString() });
    // Nothing left: rounds go on every 30 ms, re-weighing nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reweighs.reduce((n, round) => n + round.reweighed, 0)).toBe(posts);
    await expectStoredListsMatchTheStore(database);
  });

  test('when the stored lists were ranked by an earlier version of the engine, then start-up recomputes them all; lists of this version are adopted as stored', async () => {
    // Runs after the tests above or on its own.
    if ((await database.db.kysely.selectFrom('posts').select('id').execute()).length === 0) {
      await importFixturePosts(fixture.posts.slice(0, 12));
    }
    const first = startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses).maintainer;
    await first.init();
    await first.settled();
    const expected = await expectedLists(database, clock);
    // Lists that look usable (k distinct other posts each) but are not what this engine ranks:
    // each post is given the three posts after it in id order.
    const ids = [...expected.keys()];
    const planted = ids.map((id, i) => [id, [1, 2, 3].map((step) => ids[(i + step) % ids.length]!)] as const);
    async function plant(rankingVersion: number): Promise<void> {
      await database.db.kysely.deleteFrom('related_posts').execute();
      await database.db.kysely
        .insertInto('related_posts')
        .values(
          planted.flatMap(([id, related]) =>
            related.map((relatedId, rank) => ({ post_id: id, related_id: relatedId, rank, score: 0.5 - rank / 10 })),
          ),
        )
        .execute();
      // The version the shared index was built by (migration 0019).
      await database.db.kysely.updateTable('related_store_meta').set({ ranking_version: rankingVersion }).execute();
    }
    const rankingVersion = async () =>
      JSON.parse(
        (
          await database.db.kysely
            .selectFrom('settings')
            .select('value')
            .where('key', '=', 'related-posts-ranking-version')
            .executeTakeFirstOrThrow()
        ).value,
      ) as number;
    expect(await rankingVersion()).toBe(RANKING_VERSION);

    await plant(RANKING_VERSION - 1);
    const upgraded = startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses).maintainer;
    await upgraded.init();
    // Feeds keep the lists they have while the index is refilled in the background.
    expect(upgraded.rebuilding).toBe(true);
    await upgraded.settled();
    expect(await storedLists(database)).toEqual(expected);
    expect(await rankingVersion()).toBe(RANKING_VERSION);

    // The control: the same planted lists under this version are trusted and kept.
    await plant(RANKING_VERSION);
    await startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses).maintainer.init();
    expect(await storedLists(database)).toEqual(new Map(planted.map(([id, related]) => [id, [...related]])));
  });
});

// ---- a store large enough for a recompute to take a while ----

const TOPICS = 40;
const WORDS_PER_TOPIC = 30;

/** Deterministic pseudo-random numbers (mulberry32), so every run ranks the same corpus. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A made-up word per index: letters only, so every one survives the analyzer as a term of its own. */
function word(index: number): string {
  const letters = 'bcdfghjklmnprstvz';
  const vowels = 'aeiou';
  let out = '';
  for (let n = index + 1; n > 0; n = Math.floor(n / 85)) {
    out += letters[n % 17]! + vowels[Math.floor(n / 17) % 5]!;
  }
  return `${out}x`;
}

async function insertSyntheticPosts(
  database: TestDatabase,
  count: number,
  seed: number,
  at = '2026-06-01T00:00:00.000Z',
): Promise<void> {
  const next = random(seed);
  let author = await database.db.kysely.selectFrom('authors').select('id').executeTakeFirst();
  if (author === undefined) {
    author = { id: uuidv7() };
    await database.db.kysely
      .insertInto('authors')
      .values({
        id: author.id,
        slug: 'synthetic',
        name: 'Synthetic',
        bio: '',
        links: '{}',
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  const rows = Array.from({ length: count }, () => {
    const topic = Math.floor(next() * TOPICS);
    const pick = () => word(topic * WORDS_PER_TOPIC + Math.floor(next() * WORDS_PER_TOPIC));
    const common = () => word(TOPICS * WORDS_PER_TOPIC + Math.floor(next() * 400));
    const title = Array.from({ length: 6 }, pick).join(' ');
    const text = Array.from({ length: 80 }, () => (next() < 0.7 ? pick() : common())).join(' ');
    const id = uuidv7();
    return {
      id,
      slug: `synthetic-${id}`,
      title,
      html: `<p>${text}</p>`,
      excerpt: text.slice(0, 100),
      text_content: text,
      word_count: 80,
      author_id: author.id,
      category: `topic-${topic % 8}`,
      status: 'published' as const,
      published_at: at,
      published_at_utc: at,
      created_at: at,
      updated_at: at,
      canonical_url: null,
      image: null,
      source: 'api',
      external_id: null,
      content_hash: id,
    };
  });
  for (let i = 0; i < rows.length; i += 200) {
    await database.db.kysely
      .insertInto('posts')
      .values(rows.slice(i, i + 200))
      .execute();
  }
}

describe('a fill and re-weigh rounds over a few thousand posts (sqlite)', () => {
  let database: TestDatabase;
  let deps: PostsDeps;
  let clock = new Date('2026-07-01T00:00:00Z');
  const now = () => clock;
  const harnesses: Harness[] = [];
  const topicWords = Array.from({ length: WORDS_PER_TOPIC }, (_, i) => word(i));

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    deps = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
    await insertSyntheticPosts(database, 5000, 1);
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((harness) => harness.maintainer.close()));
    await database.drop();
  });

  test('while the first fill runs, the main thread stays responsive and syncs return at once; a post published meanwhile is taken in right after it', async () => {
    const { maintainer, nextRebuild } = startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses);
    const filled = nextRebuild();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await maintainer.init();
    expect(maintainer.rebuilding).toBe(true);
    const meanwhile = await createPost(deps, {
      title: topicWords.slice(0, 6).join(' '),
      html: `<p>${topicWords.join(' ')}</p>`,
      author: { slug: 'synthetic', name: 'Synthetic' },
    });
    // The post event's sync: answered at once, the change waits for the fill.
    const syncStarted = performance.now();
    expect(await maintainer.sync()).toEqual([]);
    const syncMs = performance.now() - syncStarted;
    // A round meanwhile does nothing either.
    expect((await maintainer.reweigh()).reweighed).toBe(0);
    const outcome = await filled;
    delay.disable();

    const worstDelayMs = delay.max / 1e6;
    console.log(
      `fill of ${outcome.posts} posts: ${Math.round(outcome.durationMs)} ms; worst event-loop delay meanwhile ${worstDelayMs.toFixed(1)} ms; a sync meanwhile ${syncMs.toFixed(1)} ms`,
    );
    expect(outcome.posts).toBeGreaterThanOrEqual(5000);
    // On the main thread the fill would delay the loop by its whole duration; in the thread the
    // loop only waits for ordinary work (a query, a GC pause).
    expect(worstDelayMs).toBeLessThan(outcome.durationMs / 4);
    expect(syncMs).toBeLessThan(outcome.durationMs / 4);
    // The sync run right after the fill took the post in; it is reported with the fill.
    expect(outcome.changed).toContain(meanwhile.post.id);
    expect((await storedLists(database)).get(meanwhile.post.id)).toHaveLength(3);
  }, 300_000);

  test('when the store grew by a quarter, then rounds of at most the budget take the due posts in turn, and a sync sent during a round waits for that round only', async () => {
    const budgetMs = 250;
    const { maintainer, rebuilds } = startHarness(
      database,
      now,
      { rebuildIntervalMs: 0, reweighBudgetMs: budgetMs },
      harnesses,
    );
    await maintainer.init();
    clock = new Date(clock.getTime() + 60_000);
    // Published now: rows written behind the outbox are found by their publication time only.
    await insertSyntheticPosts(database, 1300, 2, clock.toISOString());
    // 5,001 → 6,301 posts: before, a full recompute of every post followed this sync.
    await maintainer.sync();
    expect(maintainer.rebuilding).toBe(false);
    // Past the replay window of the syncs (changes of the last seconds are read again).
    clock = new Date(clock.getTime() + 60_000);
    await maintainer.sync();

    const rounds: ReweighOutcome[] = [];
    const waits: { syncMs: number; aloneMs: number }[] = [];
    const publish = (i: number) =>
      createPost(deps, {
        title: `${topicWords.slice(i % 20, (i % 20) + 6).join(' ')} ${i}`,
        html: `<p>${topicWords.join(' ')} ${i}</p>`,
        author: { slug: 'synthetic', name: 'Synthetic' },
      });
    for (let i = 0; i < 4; i++) {
      // A post event's sync with no round ahead of it: what a sync costs.
      clock = new Date(clock.getTime() + 60_000);
      const alone = await publish(2 * i);
      const aloneStarted = performance.now();
      expect(await maintainer.sync()).toContain(alone.post.id);
      const aloneMs = performance.now() - aloneStarted;
      // A round, and a post event's sync right behind it (the thread takes them in order).
      clock = new Date(clock.getTime() + 60_000);
      const post = await publish(2 * i + 1);
      const round = maintainer.reweigh();
      const syncStarted = performance.now();
      const changed = await maintainer.sync();
      const syncMs = performance.now() - syncStarted;
      const outcome = await round;
      rounds.push(outcome);
      expect(changed).toContain(post.post.id);
      waits.push({ syncMs, aloneMs });
      // It waited for the round ahead of it, and nothing more.
      expect(syncMs).toBeLessThan(outcome.durationMs + 3 * aloneMs + 500);
    }
    console.log(
      `re-weigh rounds at 6,300 posts (budget ${budgetMs} ms): ${rounds.map((r) => `${r.reweighed} posts in ${Math.round(r.durationMs)} ms`).join(', ')}; syncs behind them: ${waits.map((w) => `${Math.round(w.syncMs)} ms (alone ${Math.round(w.aloneMs)} ms)`).join(', ')}`,
    );
    for (const outcome of rounds) {
      // Due posts are left (the 5,000 weighed before the growth): the rounds are cut by the budget,
      // not by running out of work, and they say so.
      expect(outcome.more).toBe(true);
      expect(outcome.reweighed).toBeGreaterThan(0);
      expect(outcome.reweighed).toBeLessThanOrEqual(50);
    }
    expect(rebuilds).toHaveLength(0);
  }, 300_000);
});
