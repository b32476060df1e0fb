import type { Database, Kysely } from '@careerfeed/db';
import type { RelatedDocument, RelatedEntry } from '@careerfeed/core/related';
import { visiblePostsAt } from '@careerfeed/posts/related';

type Executor = Kysely<Database>;

/** Posts a reader can see now: published, and not scheduled for later. */
export async function findVisibleDocuments(db: Executor, nowUtc: string, ids?: string[]): Promise<RelatedDocument[]> {
  if (ids && ids.length === 0) return [];
  let query = db.selectFrom('posts').select(['id', 'title', 'text_content', 'category']).where(visiblePostsAt(nowUtc));
  if (ids) query = query.where('id', 'in', ids);
  const rows = await query.orderBy('id').execute();
  const tags = new Map<string, string[]>();
  // Chunked so a full load of 100,000 posts never builds one enormous IN list.
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000).map((r) => r.id);
    const tagRows = await db
      .selectFrom('post_tags')
      .select(['post_id', 'tag_slug'])
      .where('post_id', 'in', chunk)
      .orderBy('position')
      .execute();
    for (const t of tagRows) tags.set(t.post_id, [...(tags.get(t.post_id) ?? []), t.tag_slug]);
  }
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    text: r.text_content,
    tags: tags.get(r.id) ?? [],
    category: r.category,
  }));
}

/** How many posts a reader can see now. */
export async function countVisiblePosts(db: Executor, nowUtc: string): Promise<number> {
  const row = await db
    .selectFrom('posts')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where(visiblePostsAt(nowUtc))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The next `limit` visible posts after the id `afterId`, in id order (a fill's page). */
export async function findVisibleDocumentsPage(
  db: Executor,
  nowUtc: string,
  afterId: string | undefined,
  limit: number,
): Promise<RelatedDocument[]> {
  let query = db.selectFrom('posts').select('id').where(visiblePostsAt(nowUtc));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const ids = (await query.orderBy('id').limit(limit).execute()).map((row) => row.id);
  return findVisibleDocuments(db, nowUtc, ids);
}

/** Posts touched since `sinceUtc`: changed through the API (outbox log) or whose scheduled time has come. */
export async function findPostIdsChangedSince(db: Executor, sinceUtc: string, nowUtc: string): Promise<string[]> {
  const [fromEvents, becameVisible] = await Promise.all([
    db.selectFrom('outbox_events').select('post_id').distinct().where('created_at', '>=', sinceUtc).execute(),
    db
      .selectFrom('posts')
      .select('id')
      .where(visiblePostsAt(nowUtc))
      .where('published_at_utc', '>=', sinceUtc)
      .execute(),
  ]);
  return [...new Set([...fromEvents.map((r) => r.post_id), ...becameVisible.map((r) => r.id)])];
}

/** The stored lists of `ids`, best first. */
export async function findStoredRelatedLists(
  db: Executor,
  ids: readonly string[],
): Promise<Map<string, RelatedEntry[]>> {
  const lists = new Map<string, RelatedEntry[]>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom('related_posts')
      .selectAll()
      .where('post_id', 'in', ids.slice(i, i + 1000))
      .orderBy('post_id')
      .orderBy('rank')
      .execute();
    for (const row of rows)
      lists.set(row.post_id, [...(lists.get(row.post_id) ?? []), { id: row.related_id, score: row.score }]);
  }
  return lists;
}

export async function replaceRelatedLists(db: Executor, lists: Map<string, RelatedEntry[]>): Promise<void> {
  const ids = [...lists.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .deleteFrom('related_posts')
      .where('post_id', 'in', ids.slice(i, i + 500))
      .execute();
  }
  const rows = [...lists].flatMap(([postId, entries]) =>
    entries.map((entry, rank) => ({ post_id: postId, related_id: entry.id, rank, score: entry.score })),
  );
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('related_posts')
      .values(rows.slice(i, i + 500))
      .execute();
  }
}

/**
 * Serializes related-list maintenance across worker instances: the first statement of the
 * transaction writes this row, which takes PostgreSQL's row lock and SQLite's write lock.
 */
export async function takeMaintenanceLock(db: Executor, nowUtc: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key: 'related-posts-lock', value: '{}', updated_at: nowUtc })
    .onConflict((oc) => oc.column('key').doUpdateSet({ updated_at: nowUtc }))
    .execute();
}

/** What feedScopesOfPost needs for each of `ids` (posts that no longer exist are left out). */
export async function findFeedMembership(
  db: Executor,
  ids: string[],
): Promise<{ tags: string[]; category: string | null; author: string }[]> {
  if (ids.length === 0) return [];
  const posts = await db
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select(['posts.id', 'posts.category', 'authors.slug as author'])
    .where('posts.id', 'in', ids)
    .execute();
  const tagRows = await db
    .selectFrom('post_tags')
    .select(['post_id', 'tag_slug'])
    .where('post_id', 'in', ids)
    .execute();
  return posts.map((p) => ({
    category: p.category,
    author: p.author,
    tags: tagRows.filter((t) => t.post_id === p.id).map((t) => t.tag_slug),
  }));
}

/** Writes one JSON value into the `settings` table under `key`. */
async function writeSetting(db: Executor, key: string, value: unknown, nowUtc: string): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('settings')
    .values({ key, value: json, updated_at: nowUtc })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: nowUtc }))
    .execute();
}

/** The JSON value stored under `key`, or undefined when there is none. */
async function readSetting<T>(db: Executor, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row ? (JSON.parse(row.value) as T) : undefined;
}

const LAST_SYNC_KEY = 'related-posts-synced-until';
const LAST_REBUILD_KEY = 'related-posts-rebuilt-at';
const RANKING_VERSION_KEY = 'related-posts-ranking-version';

export function recordSync(db: Executor, nowUtc: string): Promise<void> {
  return writeSetting(db, LAST_SYNC_KEY, nowUtc, nowUtc);
}

/** When the last sync by any instance ended (epoch ms), or undefined before the first. */
export async function findLastSync(db: Executor): Promise<number | undefined> {
  const at = await readSetting<string>(db, LAST_SYNC_KEY);
  return at === undefined ? undefined : Date.parse(at);
}

/** Notes the time of a full recompute of the related lists (by any instance) and the posts it ranked. */
export function recordRebuild(db: Executor, nowUtc: string, posts: number): Promise<void> {
  return writeSetting(db, LAST_REBUILD_KEY, { at: nowUtc, posts }, nowUtc);
}

/** Records which version of the ranking (core's RANKING_VERSION) computed the stored lists. */
export function recordRankingVersion(db: Executor, version: number, nowUtc: string): Promise<void> {
  return writeSetting(db, RANKING_VERSION_KEY, version, nowUtc);
}

/** The ranking version that computed the stored lists; undefined when none was recorded (before versions). */
export function findRankingVersion(db: Executor): Promise<number | undefined> {
  return readSetting<number>(db, RANKING_VERSION_KEY);
}

const REWEIGH_KEY = 'related-posts-reweigh';

/** The store's size at a time (the rolling re-weigh's size log). */
export interface SizeNote {
  /** Epoch ms. */
  at: number;
  posts: number;
}

/** The rolling re-weigh's shared state: how far its pace has come, and the store's size log. */
export interface ReweighState {
  /** Epoch ms up to which the pace's re-weighs were done. */
  paceAt: number;
  sizes: SizeNote[];
}

export function findReweighState(db: Executor): Promise<ReweighState | undefined> {
  return readSetting<ReweighState>(db, REWEIGH_KEY);
}

export function recordReweighState(db: Executor, state: ReweighState, nowUtc: string): Promise<void> {
  return writeSetting(db, REWEIGH_KEY, state, nowUtc);
}
