import { type Database, type Kysely } from '@careerfeed/db';
import { visiblePostsAt } from '@careerfeed/posts';
import type { TopicFacts } from '@careerfeed/core';

type Executor = Kysely<Database>;

/**
 * What the topic directory is built from (see buildTopicDirectory in @careerfeed/core): every tag
 * and category, and the visible posts of each topic slug counted once even when a post is both
 * tagged and filed under it (UNION, not UNION ALL, removes those duplicates in the database).
 */
export async function findTopicFacts(db: Executor, nowUtc: string): Promise<TopicFacts> {
  const tagPairs = db
    .selectFrom('post_tags')
    .innerJoin('posts', 'posts.id', 'post_tags.post_id')
    .select(['post_tags.tag_slug as slug', 'posts.id as post_id'])
    .where(visiblePostsAt(nowUtc));
  const categoryPairs = db
    .selectFrom('posts')
    .select(['posts.category as slug', 'posts.id as post_id'])
    .where('posts.category', 'is not', null)
    .where(visiblePostsAt(nowUtc))
    .$narrowType<{ slug: string }>();
  const [tags, categories, counts, tagCategory] = await Promise.all([
    db.selectFrom('tags').select(['slug', 'name']).orderBy('slug').execute(),
    db.selectFrom('posts').select('category').distinct().where('category', 'is not', null).execute(),
    db
      .selectFrom(tagPairs.union(categoryPairs).as('pairs'))
      .select((eb) => ['pairs.slug', eb.fn.countAll<number | string>().as('posts')])
      .groupBy('pairs.slug')
      .execute(),
    db
      .selectFrom('post_tags')
      .innerJoin('posts', 'posts.id', 'post_tags.post_id')
      .select((eb) => ['post_tags.tag_slug as tag', 'posts.category', eb.fn.countAll<number | string>().as('posts')])
      .where('posts.category', 'is not', null)
      .where(visiblePostsAt(nowUtc))
      .groupBy(['post_tags.tag_slug', 'posts.category'])
      .execute(),
  ]);
  return {
    tags,
    categories: categories.map((row) => row.category!).filter((c) => c !== ''),
    // PostgreSQL counts are bigint, which pg hands over as strings.
    postCounts: new Map(counts.map((row) => [row.slug!, Number(row.posts)])),
    tagCategoryCounts: tagCategory.map((row) => ({ tag: row.tag, category: row.category!, posts: Number(row.posts) })),
  };
}
