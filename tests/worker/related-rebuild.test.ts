import { type PostsDeps, createPost, importPost, updatePost } from '@careerfeed/posts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RANKING_VERSION, type RelatedDocument, rankAll } from '@careerfeed/core';
import { uuidv7 } from '@careerfeed/db';
import {
  type RebuildOutcome,
  type RelatedPostsMaintainer,
  createRelatedPostsMaintainer,
  findVisibleDocuments,
  relatedRebuildMetrics,
} from '@careerfeed/worker';
import { Registry } from 'prom-client';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { readSampleBlog } from '../helpers/sample-blog';

const fixture = readSampleBlog();

const HOUR = 3_600_000;

/** What a test sees of one maintainer: it, and its full recomputes as they are reported. */
interface Harness {
  maintainer: RelatedPostsMaintainer;
  rebuilds: RebuildOutcome[];
  /** Resolves with the next recompute reported after this call. */
  nextRebuild(): Promise<RebuildOutcome>;
}

function startHarness(
  database: TestDatabase,
  now: () => Date,
  options: { rebuildIntervalMs: number },
  started: Harness[],
): Harness {
  const rebuilds: RebuildOutcome[] = [];
  const waiting: ((outcome: RebuildOutcome) => void)[] = [];
  const maintainer = createRelatedPostsMaintainer({
    databaseUrl: database.url,
    k: 3,
    now,
    rebuildIntervalMs: options.rebuildIntervalMs,
    onRebuilt: (outcome) => {
      rebuilds.push(outcome);
      for (const resolve of waiting.splice(0)) resolve(outcome);
    },
  });
  const harness = {
    maintainer,
    rebuilds,
    nextRebuild: () => new Promise<RebuildOutcome>((resolve) => waiting.push(resolve)),
  };
  started.push(harness);
  return harness;
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

describe.each(DIALECTS)('full recompute of the related lists by the worker (%s)', (dialect) => {
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

  test('when the index has grown by a quarter above the small-index size, then the sync is followed by a full recompute that stores exactly what rankAll gives', async () => {
    await importFixturePosts(fixture.posts.slice(0, 32));
    const { maintainer, rebuilds, nextRebuild } = startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses);
    // The first start fills the shared index (reported like a recompute).
    const filled = nextRebuild();
    await maintainer.init();
    expect((await filled).posts).toBe(32);
    rebuilds.splice(0);
    // Two thirds of the posts, then the last third incrementally: 32 → 48 is more than a quarter.
    await importFixturePosts(fixture.posts.slice(32));
    clock = new Date(clock.getTime() + 60_000);
    const rebuilt = nextRebuild();

    const changed = await maintainer.sync();

    expect(changed.length).toBeGreaterThanOrEqual(16);
    const outcome = await rebuilt;
    expect(rebuilds).toHaveLength(1);
    expect(outcome.posts).toBe(fixture.posts.length);
    // Lists built post by post had drifted (36–38 of the 48 differ on this sample): the recompute
    // is what brought them back.
    expect(outcome.changed.length).toBeGreaterThan(0);
    const expected = await expectedLists(database, clock);
    expect(await storedLists(database)).toEqual(expected);
    for (const id of outcome.changed) expect(expected.has(id)).toBe(true);

    // What the worker's /metrics shows of it.
    const registry = new Registry();
    relatedRebuildMetrics(registry)(outcome);
    const metrics = await registry.metrics();
    expect(metrics).toContain('related_rebuild_duration_seconds_count 1');
    expect(metrics).toContain(`related_rebuild_duration_seconds_sum ${outcome.durationMs / 1000}`);
    expect(metrics).toContain(`related_rebuild_posts_total ${fixture.posts.length}`);
    expect(metrics).toContain(`related_rebuild_changed_lists_total ${outcome.changed.length}`);
  });

  test('when the recompute interval has passed and a post was edited since, then the next sync is followed by a full recompute, and not before', async () => {
    const { maintainer, rebuilds, nextRebuild } = startHarness(
      database,
      now,
      { rebuildIntervalMs: 2 * HOUR },
      harnesses,
    );
    await maintainer.init();
    const post = await database.db.kysely.selectFrom('posts').select('id').orderBy('id').executeTakeFirstOrThrow();
    clock = new Date(clock.getTime() + HOUR);
    await updatePost(deps, post.id, { title: 'Negotiating a salary offer after a career fair' });

    expect(await maintainer.sync()).toContain(post.id);
    expect(maintainer.rebuilding).toBe(false);

    clock = new Date(clock.getTime() + 2 * HOUR);
    const rebuilt = nextRebuild();
    await maintainer.sync();
    expect(maintainer.rebuilding).toBe(true);
    await rebuilt;
    expect(maintainer.rebuilding).toBe(false);
    expect(await storedLists(database)).toEqual(await expectedLists(database, clock));

    // Nothing changed since: the interval alone does not recompute again.
    clock = new Date(clock.getTime() + 3 * HOUR);
    await maintainer.sync();
    expect(maintainer.rebuilding).toBe(false);
    expect(rebuilds).toHaveLength(1);
  });

  test('when a quarter of the posts were edited since the last recompute, then the sync is followed by a full recompute, and not before', async () => {
    const { maintainer, nextRebuild } = startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses);
    await maintainer.init();
    const posts = await database.db.kysely.selectFrom('posts').select(['id', 'title']).orderBy('id').execute();
    const quarter = Math.ceil(posts.length / 4);
    clock = new Date(clock.getTime() + 60_000);
    for (const post of posts.slice(0, quarter - 1)) {
      await updatePost(deps, post.id, { title: `${post.title}: a second look` });
    }
    await maintainer.sync();
    expect(maintainer.rebuilding).toBe(false);

    clock = new Date(clock.getTime() + 60_000);
    await updatePost(deps, posts[quarter - 1]!.id, { title: `${posts[quarter - 1]!.title}: a second look` });
    const rebuilt = nextRebuild();
    await maintainer.sync();
    expect(maintainer.rebuilding).toBe(true);
    await rebuilt;
    expect(await storedLists(database)).toEqual(await expectedLists(database, clock));
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

describe('a full recompute of a few thousand posts (sqlite)', () => {
  let database: TestDatabase;
  let deps: PostsDeps;
  const clock = new Date('2026-07-01T00:00:00Z');
  const now = () => clock;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    deps = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
    await insertSyntheticPosts(database, 5000, 1);
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((harness) => harness.maintainer.close()));
    await database.drop();
  });

  test('while it runs, the main thread stays responsive and syncs return at once; a post published meanwhile is taken in right after it', async () => {
    const { maintainer, rebuilds, nextRebuild } = startHarness(database, now, { rebuildIntervalMs: 0 }, harnesses);
    await maintainer.init();
    await maintainer.settled();
    rebuilds.splice(0);
    // Published now: rows written behind the outbox are found by their publication time only.
    await insertSyntheticPosts(database, 1300, 2, clock.toISOString());
    const rebuilt = nextRebuild();
    const delay = monitorEventLoopDelay({ resolution: 10 });

    // 5,000 → 6,300 posts: more than a quarter, so a recompute follows this sync.
    await maintainer.sync();
    expect(maintainer.rebuilding).toBe(true);
    delay.enable();
    const topicWords = Array.from({ length: WORDS_PER_TOPIC }, (_, i) => word(i));
    const meanwhile = await createPost(deps, {
      title: topicWords.slice(0, 6).join(' '),
      html: `<p>${topicWords.join(' ')}</p>`,
      author: { slug: 'synthetic', name: 'Synthetic' },
    });
    // The post event's sync: answered at once, the change waits for the recompute.
    const syncStarted = performance.now();
    expect(await maintainer.sync()).toEqual([]);
    const syncMs = performance.now() - syncStarted;
    expect(rebuilds).toHaveLength(0);
    const outcome = await rebuilt;
    delay.disable();

    const worstDelayMs = delay.max / 1e6;
    console.log(
      `recompute of ${outcome.posts} posts: ${Math.round(outcome.durationMs)} ms; worst event-loop delay meanwhile ${worstDelayMs.toFixed(1)} ms; a sync meanwhile ${syncMs.toFixed(1)} ms`,
    );
    expect(outcome.posts).toBe(6300);
    // On the main thread the recompute would delay the loop by its whole duration; in the thread
    // the loop only waits for ordinary work (a query, a GC pause).
    expect(worstDelayMs).toBeLessThan(outcome.durationMs / 4);
    expect(syncMs).toBeLessThan(outcome.durationMs / 4);

    // The sync run right after the recompute took the post in; it is reported with the recompute.
    expect(outcome.changed).toContain(meanwhile.post.id);
    expect((await storedLists(database)).get(meanwhile.post.id)).toHaveLength(3);
  }, 180_000);
});
