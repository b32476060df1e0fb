import type { Database, Kysely } from '@careerfeed/db';
import { type FeedPostRow, selectVisiblePosts } from '@careerfeed/feeds';

type Executor = Kysely<Database>;

export interface PagePostRow extends FeedPostRow {
  author_bio: string;
  /** JSON object, as stored. */
  author_links: string;
}

/**
 * The post with this slug when readers may see it: published, and its time has come. A draft or a
 * scheduled post is indistinguishable from a missing one.
 */
export async function findVisiblePostBySlug(
  db: Executor,
  slug: string,
  nowUtc: string,
): Promise<PagePostRow | undefined> {
  return selectVisiblePosts(db, nowUtc)
    .select(['authors.bio as author_bio', 'authors.links as author_links'])
    .where('posts.slug', '=', slug)
    .executeTakeFirst();
}

export async function findAuthorProfile(
  db: Executor,
  slug: string,
): Promise<{ slug: string; name: string; bio: string; links: string } | undefined> {
  return db.selectFrom('authors').select(['slug', 'name', 'bio', 'links']).where('slug', '=', slug).executeTakeFirst();
}
