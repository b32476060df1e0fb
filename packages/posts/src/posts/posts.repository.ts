import {
  type Database,
  type Dialect,
  type Kysely,
  type NewPostRow,
  type PostRow,
  type PostRowUpdate,
  sql,
} from '@careerfeed/db';

type Executor = Kysely<Database>;

export function findPostById(db: Executor, id: string): Promise<PostRow | undefined> {
  return db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPostBySlug(db: Executor, slug: string): Promise<PostRow | undefined> {
  return db.selectFrom('posts').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export function findPostByExternalId(db: Executor, source: string, externalId: string): Promise<PostRow | undefined> {
  return db
    .selectFrom('posts')
    .selectAll()
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/** Which of `candidates` are taken. Exact lookups use the unique index on both databases (a LIKE prefix scan would not). */
export async function findTakenSlugs(db: Executor, candidates: string[]): Promise<Set<string>> {
  const rows = await db.selectFrom('posts').select('slug').where('slug', 'in', candidates).execute();
  return new Set(rows.map((row) => row.slug));
}

export async function insertPost(db: Executor, row: NewPostRow): Promise<void> {
  await db.insertInto('posts').values(row).execute();
}

/**
 * A new post and its tags. On SQLite the search triggers of migration 0012 re-index the whole post
 * (body text included) for every post_tags row, so a post with four tags was tokenized five times.
 * There the tags go in first, while the post does not exist yet (foreign keys deferred until the
 * post row is in, then immediate again), and the post's own insert trigger indexes it once, topics
 * included: the same index entry, one FTS5 insert instead of 1 + tags. PostgreSQL's triggers run
 * once per statement and its foreign keys are not deferrable, so there the order stays.
 */
export async function insertPostWithTags(
  db: Executor,
  dialect: Dialect,
  row: NewPostRow,
  tags: { slug: string; name: string }[],
): Promise<void> {
  if (dialect !== 'sqlite' || tags.length === 0) {
    await insertPost(db, row);
    await insertPostTags(db, row.id, tags);
    return;
  }
  await sql`pragma defer_foreign_keys = on`.execute(db);
  await insertPostTags(db, row.id, tags);
  await insertPost(db, row);
  // Every deferred reference is satisfied now (the post exists); later statements check as usual.
  await sql`pragma defer_foreign_keys = off`.execute(db);
}

export async function updatePost(db: Executor, id: string, fields: PostRowUpdate): Promise<void> {
  await db.updateTable('posts').set(fields).where('id', '=', id).execute();
}

export async function deletePost(db: Executor, id: string): Promise<void> {
  // Dependent rows go with it (ON DELETE CASCADE), but SQLite only cascades with foreign_keys on,
  // so delete them explicitly to be independent of that pragma.
  await db.deleteFrom('post_tags').where('post_id', '=', id).execute();
  await db
    .deleteFrom('related_posts')
    .where((eb) => eb.or([eb('post_id', '=', id), eb('related_id', '=', id)]))
    .execute();
  await db.deleteFrom('posts').where('id', '=', id).execute();
}

export async function replacePostTags(
  db: Executor,
  postId: string,
  tags: { slug: string; name: string }[],
): Promise<void> {
  await db.deleteFrom('post_tags').where('post_id', '=', postId).execute();
  await insertPostTags(db, postId, tags);
}

/** The tags (created when new) and the post's links to them, in order; the post has none yet. */
async function insertPostTags(db: Executor, postId: string, tags: { slug: string; name: string }[]): Promise<void> {
  if (tags.length === 0) return;
  await db
    .insertInto('tags')
    .values(tags)
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
  await db
    .insertInto('post_tags')
    .values(tags.map((tag, position) => ({ post_id: postId, tag_slug: tag.slug, position })))
    .execute();
}

export async function findTagsOfPosts(db: Executor, postIds: string[]): Promise<Map<string, string[]>> {
  const byPost = new Map<string, string[]>(postIds.map((id) => [id, []]));
  if (postIds.length === 0) return byPost;
  const rows = await db
    .selectFrom('post_tags')
    .select(['post_id', 'tag_slug'])
    .where('post_id', 'in', postIds)
    .orderBy('post_id')
    .orderBy('position')
    .execute();
  for (const row of rows) byPost.get(row.post_id)?.push(row.tag_slug);
  return byPost;
}

export interface PostListFilter {
  /** Exclusive: rows with a smaller id than this (newest first). */
  beforeId?: string | undefined;
  limit: number;
  status?: 'draft' | 'published' | undefined;
  authorId?: string | undefined;
  tag?: string | undefined;
}

/** Newest first by id (UUIDv7, so creation order); keyset pagination stays stable while posts are added. */
export function listPosts(db: Executor, filter: PostListFilter): Promise<PostRow[]> {
  let query = db.selectFrom('posts').selectAll('posts');
  if (filter.beforeId) query = query.where('posts.id', '<', filter.beforeId);
  if (filter.status) query = query.where('posts.status', '=', filter.status);
  if (filter.authorId) query = query.where('posts.author_id', '=', filter.authorId);
  if (filter.tag) {
    const tag = filter.tag;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('post_tags')
          .select('post_tags.post_id')
          .whereRef('post_tags.post_id', '=', 'posts.id')
          .where('post_tags.tag_slug', '=', tag),
      ),
    );
  }
  return query.orderBy('posts.id', 'desc').limit(filter.limit).execute();
}

export interface RelatedLinkRow {
  post_id: string;
  related_id: string;
  slug: string;
  title: string;
}

/** The stored related posts of each post, best first; only published ones are shown. */
export async function findRelatedOfPosts(db: Executor, postIds: string[]): Promise<Map<string, RelatedLinkRow[]>> {
  const byPost = new Map<string, RelatedLinkRow[]>(postIds.map((id) => [id, []]));
  if (postIds.length === 0) return byPost;
  const rows = await db
    // CROSS JOIN fixes SQLite's join order: these posts' related_posts rows first, then each
    // related post by id (see findRelatedLinks in the feed service for the plan it avoids).
    .selectFrom('related_posts')
    .crossJoin('posts')
    .whereRef('posts.id', '=', 'related_posts.related_id')
    .select(['related_posts.post_id', 'related_posts.related_id', 'posts.slug', 'posts.title'])
    .where('related_posts.post_id', 'in', postIds)
    .where('posts.status', '=', 'published')
    .orderBy('related_posts.post_id')
    .orderBy('related_posts.rank')
    .execute();
  for (const row of rows) byPost.get(row.post_id)?.push(row);
  return byPost;
}

/** The stored share payloads of a post (one row per network); none while it is not visible. */
export function findSharePayloads(db: Executor, postId: string): Promise<{ network: string; payload: string }[]> {
  return db.selectFrom('share_payloads').select(['network', 'payload']).where('post_id', '=', postId).execute();
}

/** Where a post stands for staff: not published, published for later, or visible now. */
export type StaffPostState = 'draft' | 'scheduled' | 'live';

export interface StaffPostSearch {
  /** Words of the title (LIKE; the console's lists are small enough). */
  q?: string | undefined;
  state?: StaffPostState | undefined;
  tag?: string | undefined;
  nowUtc: string;
  offset: number;
  limit: number;
}

/** The console's post list: newest first, with the total for page numbers. */
export async function searchPostsForStaff(
  db: Executor,
  search: StaffPostSearch,
): Promise<{ rows: PostRow[]; total: number }> {
  let query = db.selectFrom('posts');
  if (search.q) {
    const pattern = `%${search.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<boolean>`lower(posts.title) like ${pattern} escape '\\'`);
  }
  if (search.state === 'draft') query = query.where('posts.status', '=', 'draft');
  if (search.state === 'scheduled')
    query = query.where('posts.status', '=', 'published').where('posts.published_at_utc', '>', search.nowUtc);
  if (search.state === 'live')
    query = query.where('posts.status', '=', 'published').where('posts.published_at_utc', '<=', search.nowUtc);
  if (search.tag) {
    const tag = search.tag;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('post_tags')
          .select('post_tags.post_id')
          .whereRef('post_tags.post_id', '=', 'posts.id')
          .where('post_tags.tag_slug', '=', tag),
      ),
    );
  }
  const total = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll('posts')
    .orderBy('posts.id', 'desc')
    .offset(search.offset)
    .limit(search.limit)
    .execute();
  return { rows, total: Number(total.n) };
}

/** Every topic (tag) with its number of posts, most used first: the console's suggestions. */
export function listTagsWithCounts(db: Executor): Promise<{ slug: string; name: string; posts: number | string }[]> {
  return db
    .selectFrom('tags')
    .leftJoin('post_tags', 'post_tags.tag_slug', 'tags.slug')
    .select(['tags.slug', 'tags.name', (eb) => eb.fn.count<number | string>('post_tags.post_id').as('posts')])
    .groupBy(['tags.slug', 'tags.name'])
    .orderBy('posts', 'desc')
    .orderBy('tags.slug')
    .limit(500)
    .execute();
}

export async function listCategories(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom('posts')
    .select('category')
    .distinct()
    .where('category', 'is not', null)
    .orderBy('category')
    .limit(200)
    .execute();
  return rows.map((r) => r.category!);
}
