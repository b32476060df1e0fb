import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@careerfeed/db';
import { visiblePostsAt } from './visibility';

type Executor = Kysely<Database> | Transaction<Database>;

export interface RelatedLinkRow {
  id: string;
  slug: string;
  title: string;
}

// Bound values per query stay far below SQLite's and PostgreSQL's limits.
const POSTS_PER_QUERY = 500;

/**
 * The stored related posts of each post, as readers see them: visible posts only (published, time
 * come), in rank order. One definition for feeds, pages and digests.
 */
export async function findVisibleRelatedLinks(
  db: Executor,
  postIds: string[],
  nowUtc: string,
): Promise<Map<string, RelatedLinkRow[]>> {
  const byPost = new Map<string, RelatedLinkRow[]>(postIds.map((id) => [id, []]));
  for (let from = 0; from < postIds.length; from += POSTS_PER_QUERY) {
    // CROSS JOIN + whereRef rather than INNER JOIN: SQLite never reorders a CROSS JOIN, so it reads
    // the few related_posts rows of these posts first and looks each related post up by id. Without
    // statistics it otherwise walks every visible post by date and probes related_posts for each
    // (~0.7 s at 100,000 posts). PostgreSQL plans both forms alike.
    const rows = await db
      .selectFrom('related_posts')
      .crossJoin('posts')
      .whereRef('posts.id', '=', 'related_posts.related_id')
      .select(['related_posts.post_id', 'posts.id', 'posts.slug', 'posts.title'])
      .where('related_posts.post_id', 'in', postIds.slice(from, from + POSTS_PER_QUERY))
      .where(visiblePostsAt(nowUtc))
      .orderBy('related_posts.post_id')
      .orderBy('related_posts.rank')
      .execute();
    for (const row of rows) byPost.get(row.post_id)?.push({ id: row.id, slug: row.slug, title: row.title });
  }
  return byPost;
}
