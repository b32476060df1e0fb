import { type PostsDeps, createPost, deletePost, importPost } from '@careerfeed/posts';
import { type RelatedPostsMaintainer, createRelatedPostsMaintainer } from '@careerfeed/worker';
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
});
