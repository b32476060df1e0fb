import { type Database, type Kysely, type RedirectedTopicKind, sql } from '@careerfeed/db';

type Executor = Kysely<Database>;

export interface TagCountRow {
  slug: string;
  name: string;
  posts: number;
}

export async function listTagsWithCounts(db: Executor): Promise<TagCountRow[]> {
  const rows = await db
    .selectFrom('tags')
    .leftJoin('post_tags', 'post_tags.tag_slug', 'tags.slug')
    .select(['tags.slug', 'tags.name', sql<number | string>`count(post_tags.post_id)`.as('posts')])
    .groupBy(['tags.slug', 'tags.name'])
    .orderBy('tags.slug')
    .execute();
  // PostgreSQL's count() is a bigint, which pg hands back as a string.
  return rows.map((row) => ({ slug: row.slug, name: row.name, posts: Number(row.posts) }));
}

export async function listCategoriesWithCounts(db: Executor): Promise<{ slug: string; posts: number }[]> {
  const rows = await db
    .selectFrom('posts')
    .select(['category', sql<number | string>`count(*)`.as('posts')])
    .where('category', 'is not', null)
    .where('category', '!=', '')
    .groupBy('category')
    .orderBy('category')
    .execute();
  return rows.map((row) => ({ slug: row.category!, posts: Number(row.posts) }));
}

export function findTag(db: Executor, slug: string): Promise<{ slug: string; name: string } | undefined> {
  return db.selectFrom('tags').select(['slug', 'name']).where('slug', '=', slug).executeTakeFirst();
}

export async function categoryExists(db: Executor, slug: string): Promise<boolean> {
  const row = await db.selectFrom('posts').select('id').where('category', '=', slug).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function renameTag(db: Executor, slug: string, name: string): Promise<void> {
  await db.updateTable('tags').set({ name }).where('slug', '=', slug).execute();
}

/** Ids of the posts carrying a tag or in a category (those whose content the merge changes). */
export async function findPostIdsOfTopic(db: Executor, kind: RedirectedTopicKind, slug: string): Promise<string[]> {
  const rows =
    kind === 'tag'
      ? await db.selectFrom('post_tags').select('post_id').where('tag_slug', '=', slug).execute()
      : await db.selectFrom('posts').select('id as post_id').where('category', '=', slug).execute();
  return rows.map((row) => row.post_id);
}

/** Posts tagged `from` are tagged `to` instead (once: a post that had both keeps one `to`). */
export async function retagPosts(db: Executor, from: string, to: string): Promise<void> {
  await db
    .deleteFrom('post_tags')
    .where('tag_slug', '=', from)
    .where('post_id', 'in', db.selectFrom('post_tags').select('post_id').where('tag_slug', '=', to))
    .execute();
  await db.updateTable('post_tags').set({ tag_slug: to }).where('tag_slug', '=', from).execute();
}

export async function insertTagIfAbsent(db: Executor, slug: string, name: string): Promise<void> {
  await db
    .insertInto('tags')
    .values({ slug, name })
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
}

export async function deleteTag(db: Executor, slug: string): Promise<void> {
  await db.deleteFrom('tags').where('slug', '=', slug).execute();
}

/** Posts and partner sources in category `from` move to `to`. */
export async function recategorize(db: Executor, from: string, to: string, nowUtc: string): Promise<void> {
  await db.updateTable('posts').set({ category: to }).where('category', '=', from).execute();
  await db.updateTable('sources').set({ category: to, updated_at: nowUtc }).where('category', '=', from).execute();
}

/** Subscribers whose topics may name `key` ("tag:a"): a coarse text match the caller refines. */
export function findSubscribersFollowing(db: Executor, key: string): Promise<{ id: string; topics: string }[]> {
  return db
    .selectFrom('subscribers')
    .select(['id', 'topics'])
    .where('topics', 'like', `%${JSON.stringify(key)}%`)
    .execute();
}

export async function setSubscriberTopics(db: Executor, id: string, topics: string, nowUtc: string): Promise<void> {
  await db.updateTable('subscribers').set({ topics, updated_at: nowUtc }).where('id', '=', id).execute();
}

/**
 * `from` now redirects to `to`; redirects that led to `from` lead to `to` directly (no chains), and
 * a redirect away from `to` (it was merged away earlier and is a topic again) is dropped.
 */
export async function recordRedirect(
  db: Executor,
  kind: RedirectedTopicKind,
  from: string,
  to: string,
  nowUtc: string,
): Promise<void> {
  await db.deleteFrom('topic_redirects').where('kind', '=', kind).where('from_slug', '=', to).execute();
  await db
    .updateTable('topic_redirects')
    .set({ to_slug: to })
    .where('kind', '=', kind)
    .where('to_slug', '=', from)
    .execute();
  await db
    .insertInto('topic_redirects')
    .values({ kind, from_slug: from, to_slug: to, created_at: nowUtc })
    .onConflict((oc) => oc.columns(['kind', 'from_slug']).doUpdateSet({ to_slug: to, created_at: nowUtc }))
    .execute();
}

export async function findRedirect(db: Executor, kind: RedirectedTopicKind, from: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('topic_redirects')
    .select('to_slug')
    .where('kind', '=', kind)
    .where('from_slug', '=', from)
    .executeTakeFirst();
  return row?.to_slug;
}

export function listRedirects(db: Executor) {
  return db.selectFrom('topic_redirects').selectAll().orderBy('kind').orderBy('from_slug').execute();
}
