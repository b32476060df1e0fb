import type { Database, Kysely } from '@careerfeed/db';
import { type FeedPostRow, selectVisiblePosts } from '@careerfeed/feeds';

type Executor = Kysely<Database>;

/**
 * A topic is what readers call a tag or a category: `topic="internships"` matches the tag with
 * that slug or the category with that slug (a campus site should not need to know which of the
 * two the career center used). The tag's name wins as the display name; a category is its slug.
 */
export async function findTopic(
  db: Executor,
  slug: string,
): Promise<{ name: string; kind: 'tag' | 'category' } | undefined> {
  const tag = await db.selectFrom('tags').select('name').where('slug', '=', slug).executeTakeFirst();
  if (tag) return { name: tag.name, kind: 'tag' };
  const category = await db.selectFrom('posts').select('id').where('category', '=', slug).limit(1).executeTakeFirst();
  return category ? { name: slug, kind: 'category' } : undefined;
}

/** Visible posts, newest first, of a topic (tag or category) and/or an author. */
export async function findEmbedPosts(
  db: Executor,
  filter: { topic?: string; author?: string; nowUtc: string; limit: number },
): Promise<FeedPostRow[]> {
  let query = selectVisiblePosts(db, filter.nowUtc);
  const { topic, author } = filter;
  if (author !== undefined) query = query.where('authors.slug', '=', author);
  if (topic !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('posts.category', '=', topic),
        eb.exists(
          eb
            .selectFrom('post_tags')
            .select('post_tags.post_id')
            .whereRef('post_tags.post_id', '=', 'posts.id')
            .where('post_tags.tag_slug', '=', topic),
        ),
      ]),
    );
  }
  return query.orderBy('posts.published_at_utc', 'desc').orderBy('posts.id', 'desc').limit(filter.limit).execute();
}
