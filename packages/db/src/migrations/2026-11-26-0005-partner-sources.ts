import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Partner feeds we syndicate. Their posts keep `posts.source` = the source's id and
// `posts.external_id` = the item's guid, so the existing unique (source, external_id) is the
// upsert key of syndicated items.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull().unique())
    .addColumn('interval_minutes', 'integer', (c) => c.notNull())
    // Credited when an item names no author; null: the feed's title.
    .addColumn('author', 'text')
    .addColumn('category', 'text')
    // The feed's own title, as last parsed.
    .addColumn('title', 'text')
    // Validators of the last 200 response, sent back as If-None-Match / If-Modified-Since.
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('last_polled_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    // JSON: what the last successful poll did ({status, items, created, updated, unchanged, skipped, …}).
    .addColumn('last_poll_summary', 'text')
    .addColumn('next_poll_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The tick's only query: sources whose next poll is due.
  await db.schema.createIndex('sources_next_poll_idx').on('sources').columns(['next_poll_at', 'id']).execute();
  // Items count per source and the upsert lookup (the unique constraint covers (source, external_id)).
  await db.schema.createIndex('posts_source_idx').on('posts').column('source').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('posts_source_idx').execute();
  await db.schema.dropTable('sources').execute();
}
