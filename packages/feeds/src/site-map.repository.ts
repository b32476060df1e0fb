import { type Database, type Kysely } from '@careerfeed/db';
import { visiblePostsAt } from '@careerfeed/posts';

type Executor = Kysely<Database>;

/** Every visible post's slug and last change, newest first: the sitemap's post entries. */
export async function findVisiblePostStamps(
  db: Executor,
  nowUtc: string,
): Promise<{ slug: string; updated_at: string }[]> {
  return db
    .selectFrom('posts')
    .select(['posts.slug', 'posts.updated_at'])
    .where(visiblePostsAt(nowUtc))
    .orderBy('posts.published_at_utc', 'desc')
    .orderBy('posts.id', 'desc')
    .execute();
}

/** Authors with at least one visible post (the others' pages are empty), with their newest change. */
export async function findAuthorsWithVisiblePosts(
  db: Executor,
  nowUtc: string,
): Promise<{ slug: string; name: string; last_updated: string }[]> {
  const rows = await db
    .selectFrom('authors')
    .innerJoin('posts', 'posts.author_id', 'authors.id')
    .select((eb) => ['authors.slug', 'authors.name', eb.fn.max('posts.updated_at').as('last_updated')])
    .where(visiblePostsAt(nowUtc))
    .groupBy(['authors.slug', 'authors.name'])
    .orderBy('authors.slug')
    .execute();
  return rows.map((row) => ({ slug: row.slug, name: row.name, last_updated: String(row.last_updated) }));
}
