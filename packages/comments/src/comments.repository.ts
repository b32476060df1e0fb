import type { CommentRow, CommentStatus, Database, Kysely, NewCommentRow, ReplyNotifications } from '@careerfeed/db';

type Executor = Kysely<Database>;

export interface CommentPostRow {
  id: string;
  slug: string;
  title: string;
  status: string;
  published_at_utc: string | null;
  author_slug: string;
  author_name: string;
  tags: string[];
  category: string | null;
}

/** The post with this slug, whatever its state (the service applies the visibility rule). */
export async function findPostBySlug(db: Executor, slug: string): Promise<CommentPostRow | undefined> {
  const row = await db
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select([
      'posts.id',
      'posts.slug',
      'posts.title',
      'posts.status',
      'posts.published_at_utc',
      'posts.category',
      'authors.slug as author_slug',
      'authors.name as author_name',
    ])
    .where('posts.slug', '=', slug)
    .executeTakeFirst();
  if (!row) return undefined;
  return { ...row, tags: await findTagsOfPost(db, row.id) };
}

export async function findPostById(db: Executor, id: string): Promise<CommentPostRow | undefined> {
  const row = await db.selectFrom('posts').select('slug').where('id', '=', id).executeTakeFirst();
  return row ? findPostBySlug(db, row.slug) : undefined;
}

async function findTagsOfPost(db: Executor, postId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('post_tags')
    .select('tag_slug')
    .where('post_id', '=', postId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.tag_slug);
}

export async function findCommentById(db: Executor, id: string): Promise<CommentRow | undefined> {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An imported comment by where it came from (comments.external_id, unique). */
export async function findCommentByExternalId(db: Executor, externalId: string): Promise<CommentRow | undefined> {
  return db.selectFrom('comments').selectAll().where('external_id', '=', externalId).executeTakeFirst();
}

export async function hasApprovedComment(db: Executor, emailKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('comments')
    .select('id')
    .where('author_email_key', '=', emailKey)
    .where('status', '=', 'approved')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertComment(db: Executor, row: NewCommentRow): Promise<void> {
  await db.insertInto('comments').values(row).execute();
}

/** A post's approved comments, oldest first (the order a thread is read in). */
export async function findApprovedCommentsOfPost(db: Executor, postId: string): Promise<CommentRow[]> {
  return db
    .selectFrom('comments')
    .selectAll()
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .orderBy('id')
    .execute();
}

/** Approved comments per post, for the `slash:comments` of feed items. */
export async function countApprovedComments(db: Executor, postIds: string[]): Promise<Map<string, number>> {
  if (postIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('comments')
    .select(['post_id', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('post_id', 'in', postIds)
    .where('status', '=', 'approved')
    .groupBy('post_id')
    .execute();
  return new Map(rows.map((r) => [r.post_id, Number(r.n)]));
}

export interface CommentWithPostRow extends CommentRow {
  post_slug: string;
  post_title: string;
}

export interface CommentFilter {
  status?: CommentStatus | undefined;
  postId?: string | undefined;
  /** Newest first: only comments with an id below this one. */
  before?: string | undefined;
  limit: number;
}

/** Newest first, with the post each comment is on (moderation lists and the comment feeds). */
export async function findComments(db: Executor, filter: CommentFilter): Promise<CommentWithPostRow[]> {
  let query = db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .selectAll('comments')
    .select(['posts.slug as post_slug', 'posts.title as post_title']);
  if (filter.status) query = query.where('comments.status', '=', filter.status);
  if (filter.postId) query = query.where('comments.post_id', '=', filter.postId);
  if (filter.before) query = query.where('comments.id', '<', filter.before);
  return query.orderBy('comments.id', 'desc').limit(filter.limit).execute();
}

export async function countCommentsByStatus(db: Executor): Promise<Record<CommentStatus, number>> {
  const rows = await db
    .selectFrom('comments')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<CommentStatus, number> = { pending: 0, approved: 0, spam: 0, trash: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

export async function updateStatus(
  db: Executor,
  id: string,
  status: CommentStatus,
  at: string,
  approvedAt: string | null,
): Promise<void> {
  await db
    .updateTable('comments')
    .set({ status, updated_at: at, approved_at: approvedAt })
    .where('id', '=', id)
    .execute();
}

export async function setReplyNotifications(
  db: Executor,
  id: string,
  value: ReplyNotifications,
  at: string,
  onlyWhen?: ReplyNotifications,
): Promise<boolean> {
  let query = db.updateTable('comments').set({ reply_notifications: value, updated_at: at }).where('id', '=', id);
  if (onlyWhen) query = query.where('reply_notifications', '=', onlyWhen);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes a comment; its replies move up to its parent (and one level shallower), as in WordPress. */
export async function deleteComment(db: Executor, comment: CommentRow): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await reparentDescendants(trx, comment.id, comment.parent_id);
    await trx.deleteFrom('comments').where('id', '=', comment.id).execute();
  });
}

async function reparentDescendants(db: Executor, id: string, newParent: string | null): Promise<void> {
  // Every descendant moves one level up; threads are shallow (MAX_DEPTH), so a walk level by level.
  let level = (await db.selectFrom('comments').select('id').where('parent_id', '=', id).execute()).map((r) => r.id);
  await db.updateTable('comments').set({ parent_id: newParent }).where('parent_id', '=', id).execute();
  while (level.length > 0) {
    await db
      .updateTable('comments')
      .set((eb) => ({ depth: eb('depth', '-', 1) }))
      .where('id', 'in', level)
      .execute();
    level = (await db.selectFrom('comments').select('id').where('parent_id', 'in', level).execute()).map((r) => r.id);
  }
}

/** Newest approved comments on posts readers can see (published, time come), for the comment feeds. */
export async function findVisibleApprovedComments(
  db: Executor,
  options: { postId?: string | undefined; nowUtc: string; limit: number },
): Promise<CommentWithPostRow[]> {
  let query = db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .selectAll('comments')
    .select(['posts.slug as post_slug', 'posts.title as post_title'])
    .where('comments.status', '=', 'approved')
    .where('posts.status', '=', 'published')
    .where('posts.published_at_utc', '<=', options.nowUtc);
  if (options.postId) query = query.where('comments.post_id', '=', options.postId);
  return query.orderBy('comments.id', 'desc').limit(options.limit).execute();
}
