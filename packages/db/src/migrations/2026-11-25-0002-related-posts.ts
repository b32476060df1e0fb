import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // The stored top-k related posts of each post, maintained incrementally by the worker so that
  // reading a feed or a post never ranks.
  await db.schema
    .createTable('related_posts')
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('related_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('score', 'real', (c) => c.notNull())
    .addPrimaryKeyConstraint('related_posts_pk', ['post_id', 'rank'])
    .execute();
  await db.schema.createIndex('related_posts_related_idx').on('related_posts').column('related_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('related_posts').execute();
}
