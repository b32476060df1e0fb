import { type Database, type Kysely } from '@careerfeed/db';
import { findVisibleRelatedLinks, visiblePostsAt } from '@careerfeed/posts';
import type { FeedScope } from '@careerfeed/jobs';

type Executor = Kysely<Database>;

export interface FeedPostRow {
  id: string;
  slug: string;
  title: string;
  html: string;
  excerpt: string;
  category: string | null;
  published_at: string;
  updated_at: string;
  canonical_url: string | null;
  image: string | null;
  author_slug: string;
  author_name: string;
}

/** Whether the scope names something that exists (an unknown tag is a 404, not an empty feed). */
export async function scopeExists(db: Executor, scope: FeedScope): Promise<boolean> {
  switch (scope.kind) {
    case 'site':
      return true;
    case 'tag':
      return (
        (await db.selectFrom('tags').select('slug').where('slug', '=', scope.slug).executeTakeFirst()) !== undefined
      );
    case 'author':
      return (
        (await db.selectFrom('authors').select('id').where('slug', '=', scope.slug).executeTakeFirst()) !== undefined
      );
    case 'category':
      return (
        (await db.selectFrom('posts').select('id').where('category', '=', scope.slug).limit(1).executeTakeFirst()) !==
        undefined
      );
    case 'topic':
      return (
        (await scopeExists(db, { kind: 'tag', slug: scope.slug })) ||
        scopeExists(db, { kind: 'category', slug: scope.slug })
      );
  }
}

/**
 * Posts readers may see — published, and their time has come — with the author's name: the base
 * of every feed and page query, so "visible" means the same everywhere.
 */
export function selectVisiblePosts(db: Executor, nowUtc: string) {
  return db
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select([
      'posts.id',
      'posts.slug',
      'posts.title',
      'posts.html',
      'posts.excerpt',
      'posts.category',
      'posts.updated_at',
      'posts.canonical_url',
      'posts.image',
      'authors.slug as author_slug',
      'authors.name as author_name',
    ])
    .select((eb) => eb.fn.coalesce('posts.published_at', 'posts.created_at').as('published_at'))
    .where(visiblePostsAt(nowUtc));
}

export async function findFeedPosts(
  db: Executor,
  scope: FeedScope,
  options: { nowUtc: string; limit: number; offset: number },
): Promise<FeedPostRow[]> {
  let query = selectVisiblePosts(db, options.nowUtc);
  if (scope.kind === 'category') query = query.where('posts.category', '=', scope.slug);
  if (scope.kind === 'author') query = query.where('authors.slug', '=', scope.slug);
  if (scope.kind === 'tag' || scope.kind === 'topic') {
    const { kind, slug } = scope;
    query = query.where((eb) => {
      const tagged = eb.exists(
        eb
          .selectFrom('post_tags')
          .select('post_tags.post_id')
          .whereRef('post_tags.post_id', '=', 'posts.id')
          .where('post_tags.tag_slug', '=', slug),
      );
      // A topic holds the posts of its tag and of its category: each post once.
      return kind === 'topic' ? eb.or([tagged, eb('posts.category', '=', slug)]) : tagged;
    });
  }
  return query
    .orderBy('posts.published_at_utc', 'desc')
    .orderBy('posts.id', 'desc')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
}

export async function findTermsOfPosts(
  db: Executor,
  postIds: string[],
): Promise<Map<string, { slug: string; name: string }[]>> {
  const byPost = new Map<string, { slug: string; name: string }[]>(postIds.map((id) => [id, []]));
  if (postIds.length === 0) return byPost;
  const rows = await db
    .selectFrom('post_tags')
    .innerJoin('tags', 'tags.slug', 'post_tags.tag_slug')
    .select(['post_tags.post_id', 'tags.slug', 'tags.name'])
    .where('post_tags.post_id', 'in', postIds)
    .orderBy('post_tags.post_id')
    .orderBy('post_tags.position')
    .execute();
  for (const row of rows) byPost.get(row.post_id)?.push({ slug: row.slug, name: row.name });
  return byPost;
}

/** See findVisibleRelatedLinks in @careerfeed/db: shared with the digests. */
export const findRelatedLinks = findVisibleRelatedLinks;

export async function findAuthorName(db: Executor, slug: string): Promise<string | undefined> {
  return (await db.selectFrom('authors').select('name').where('slug', '=', slug).executeTakeFirst())?.name;
}

export async function findTagName(db: Executor, slug: string): Promise<string | undefined> {
  return (await db.selectFrom('tags').select('name').where('slug', '=', slug).executeTakeFirst())?.name;
}
