import { type PostsDeps, createPost, deletePost, importPost } from '@careerfeed/posts';
import {
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  TableNode,
  type UnknownRow,
} from 'kysely';
import {
  type RelatedPostsMaintainer,
  createRelatedPostsEngine,
  createRelatedPostsMaintainer,
} from '@careerfeed/worker';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { readSampleBlog } from '../helpers/sample-blog';

const fixture = readSampleBlog();

describe.each(DIALECTS)('related posts kept by the worker (%s)', (dialect) => {
  let database: TestDatabase;
  let deps: PostsDeps;
  let clock = new Date('2026-07-01T00:00:00Z');
  const now = () => clock;
  const maintainers: RelatedPostsMaintainer[] = [];

  /** A maintainer as the worker starts one; interval recomputes off unless `rebuildIntervalMs` is given. */
  function startMaintainer(options: { rebuildIntervalMs?: number } = {}): RelatedPostsMaintainer {
    const maintainer = createRelatedPostsMaintainer({
      databaseUrl: database.url,
      k: 3,
      now,
      rebuildIntervalMs: options.rebuildIntervalMs ?? 0,
    });
    maintainers.push(maintainer);
    return maintainer;
  }

  async function storedLists(): Promise<Map<string, string[]>> {
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

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    deps = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
    for (const post of fixture.posts) {
      const author = fixture.authors.find((a) => a.slug === post.author)!;
      await importPost(deps, { ...post, author: { slug: author.slug, name: author.name } });
    }
  });
  afterEach(async () => {
    await Promise.all(maintainers.splice(0).map((maintainer) => maintainer.close()));
  });
  afterAll(() => database.drop());

  test('when the worker starts on a store nobody ranked, then it fills the shared index in the background and every published post gets 3 related posts, never itself', async () => {
    const maintainer = startMaintainer();
    await maintainer.init();
    expect(maintainer.rebuilding).toBe(true);
    await maintainer.settled();
    expect(maintainer.rebuilding).toBe(false);
    const lists = await storedLists();
    expect(lists.size).toBe(fixture.posts.length);
    for (const [postId, related] of lists) {
      expect(related).toHaveLength(3);
      expect(related).not.toContain(postId);
      expect(new Set(related).size).toBe(3);
    }
  });

  test('when a post is published, deleted, drafted or scheduled, then the stored lists follow after a sync', async () => {
    const maintainer = startMaintainer();
    await maintainer.init();
    const base = fixture.posts[0]!;
    const twin = await createPost(deps, {
      title: `${base.title} (part two)`,
      html: base.html,
      author: base.author,
      tags: base.tags,
    });
    const draft = await createPost(deps, {
      title: `${base.title} draft`,
      html: base.html,
      author: base.author,
      tags: base.tags,
      status: 'draft',
    });
    const scheduled = await createPost(deps, {
      title: `${base.title} (coming soon)`,
      html: base.html,
      author: base.author,
      tags: base.tags,
      published_at: '2026-07-02T09:00:00-05:00',
    });

    const changed = await maintainer.sync();
    expect(changed).toContain(twin.post.id);
    let lists = await storedLists();
    // Its near-copy is the most related post of the original, and the other way round.
    const original = (
      await database.db.kysely.selectFrom('posts').select('id').where('slug', '=', base.slug).executeTakeFirstOrThrow()
    ).id;
    expect(lists.get(twin.post.id)?.[0]).toBe(original);
    expect(lists.get(original)?.[0]).toBe(twin.post.id);
    // Drafts and scheduled posts are nobody's related post, and have no list.
    const everyRelated = [...lists.values()].flat();
    for (const hidden of [draft.post.id, scheduled.post.id]) {
      expect(everyRelated).not.toContain(hidden);
      expect(lists.has(hidden)).toBe(false);
    }

    // The scheduled post's time comes: the next sync brings it in.
    clock = new Date('2026-07-02T15:00:00Z');
    await maintainer.sync();
    lists = await storedLists();
    expect(lists.get(scheduled.post.id)).toHaveLength(3);

    await deletePost(deps, twin.post.id);
    await maintainer.sync();
    lists = await storedLists();
    expect([...lists.values()].flat()).not.toContain(twin.post.id);
    expect(lists.has(twin.post.id)).toBe(false);
    expect(lists.get(original)).toHaveLength(3);
  });

  test('when the worker restarts, then it adopts the stored lists and changes nothing', async () => {
    const before = await storedLists();
    const maintainer = startMaintainer();
    await maintainer.init();
    expect(await maintainer.sync()).toEqual([]);
    expect(await storedLists()).toEqual(before);
  });

  test('when two workers share the index, then a post synced by one is ranked against by the other, and concurrent syncs leave the store and the stored lists consistent', async () => {
    const first = startMaintainer();
    const second = startMaintainer();
    await Promise.all([first.init(), second.init()]);
    await Promise.all([first.settled(), second.settled()]);
    const base = fixture.posts[2]!;
    const one = await createPost(deps, {
      title: `${base.title}, the sequel`,
      html: base.html,
      author: base.author,
      tags: base.tags,
    });
    expect(await first.sync()).toContain(one.post.id);

    const two = await createPost(deps, {
      title: `${base.title}, the third part`,
      html: base.html,
      author: base.author,
      tags: base.tags,
    });
    const changed = await second.sync();

    // The second worker never saw the first post's event, yet ranks against it: one index.
    expect(changed).toEqual(expect.arrayContaining([one.post.id, two.post.id]));
    const lists = await storedLists();
    expect(lists.get(two.post.id)![0]).toBe(one.post.id);
    expect(lists.get(one.post.id)![0]).toBe(two.post.id);

    // Both at once: the maintenance lock serializes them, and replays are harmless.
    const more = await Promise.all(
      fixture.posts
        .slice(3, 6)
        .map((post) =>
          createPost(deps, { title: `${post.title} revisited`, html: post.html, author: post.author, tags: post.tags }),
        ),
    );
    await Promise.all([first.sync(), second.sync()]);
    await Promise.all([first.sync(), second.sync()]);
    const after = await storedLists();
    const visible = await database.db.kysely
      .selectFrom('posts')
      .select('id')
      .where('status', '=', 'published')
      .execute();
    const meta = await database.db.kysely.selectFrom('related_store_meta').selectAll().executeTakeFirstOrThrow();
    expect(meta.posts).toBe(visible.length);
    for (const created of more) expect(after.get(created.post.id)).toHaveLength(3);
    const indexed = await database.db.kysely
      .selectFrom('related_store_neighbors')
      .select(['slot', 'rank', 'neighbor_id'])
      .execute();
    const slots = await database.db.kysely.selectFrom('related_store_posts').select(['slot', 'post_id']).execute();
    const idOf = new Map(slots.map((row) => [row.slot, row.post_id]));
    // related_posts holds the first 3 of each list the store keeps.
    for (const [postId, related] of after) {
      const stored = indexed
        .filter((row) => idOf.get(row.slot) === postId)
        .sort((a, b) => a.rank - b.rank)
        .slice(0, 3)
        .map((row) => row.neighbor_id);
      expect({ postId, related }).toEqual({ postId, related: stored });
    }
  });

  test('when a worker starts on a filled index, then it reads only the index state, and a sync reads the rows its change touches, never whole tables', async () => {
    // A filled index, whichever tests ran before.
    const filler = startMaintainer();
    await filler.init();
    await filler.settled();
    // A sync a minute on, so that the next one replays only what comes after it.
    clock = new Date(clock.getTime() + 60_000);
    await filler.sync();
    await filler.close();
    clock = new Date(clock.getTime() + 60_000);
    const reads: { table: string; where: boolean; rows: number }[] = [];
    const recorder = new ReadRecorder(reads);
    const db = { ...database.db, kysely: database.db.kysely.withPlugin(recorder) };
    const engine = createRelatedPostsEngine(db, { k: 3, rebuildIntervalMs: 0 });

    expect(await engine.init(clock.toISOString())).toBe(false);

    const rowsAtStart = reads.reduce((sum, read) => sum + read.rows, 0);
    expect(rowsAtStart).toBeLessThanOrEqual(2);
    expect(reads.map((read) => read.table)).not.toContain('posts');
    expect(reads.map((read) => read.table)).not.toContain('related_store_postings');

    reads.splice(0);
    const base = fixture.posts[7]!;
    const created = await createPost(deps, {
      title: `${base.title} again`,
      html: base.html,
      author: base.author,
      tags: base.tags,
    });
    expect(await engine.sync(clock.toISOString())).toContain(created.post.id);
    const whole = reads.filter(
      (read) => read.table.startsWith('related_store_') && read.table !== 'related_store_meta' && !read.where,
    );
    expect(whole).toEqual([]);
    const postRows = reads
      .filter((read) => read.table === 'related_store_posts')
      .reduce((sum, read) => sum + read.rows, 0);
    const indexed = await database.db.kysely.selectFrom('related_store_posts').select('slot').execute();
    expect(postRows).toBeLessThan(indexed.length);
  });
});

/** Notes every select: the table it reads, whether it has a where clause, and the rows it returned. */
class ReadRecorder implements KyselyPlugin {
  private readonly pending = new WeakMap<object, { table: string; where: boolean }>();

  constructor(private readonly reads: { table: string; where: boolean; rows: number }[]) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'SelectQueryNode') {
      const from = node.from?.froms[0];
      const table = from !== undefined && TableNode.is(from) ? from.table.identifier.name : '';
      this.pending.set(args.queryId, { table, where: node.where !== undefined });
    }
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const query = this.pending.get(args.queryId);
    if (query !== undefined) this.reads.push({ ...query, rows: args.result.rows.length });
    return args.result;
  }
}
