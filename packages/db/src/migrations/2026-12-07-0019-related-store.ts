import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// The related-posts index itself, shared by every worker (issue 16): until now each worker
// rebuilt it in memory from all posts at start and only the final lists (related_posts) were
// stored. Posts are numbered by an integer slot that posting lists and neighbor rows use instead
// of the text id. Vectors and posting lists are packed binary (int32 ids, float32 weights, as the
// in-memory index keeps them), so that an update reads one row per feature instead of one per
// posting entry. No foreign key to posts: a post leaves the index through the worker's sync,
// which uncounts its terms; a cascade would leave the statistics counting it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const binary = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
  // One row (id 1): the store's version and counters.
  await db.schema
    .createTable('related_store_meta')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('ranking_version', 'integer', (c) => c.notNull())
    .addColumn('k', 'integer', (c) => c.notNull())
    .addColumn('posts', 'integer', (c) => c.notNull())
    .addColumn('next_slot', 'integer', (c) => c.notNull())
    .addColumn('next_term_id', 'integer', (c) => c.notNull())
    .addColumn('next_category_id', 'integer', (c) => c.notNull())
    // Set while the store is being filled from the posts table (first start, new version).
    .addColumn('filling', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Document and collection frequency of each term (the statistics weighing needs).
  await db.schema
    .createTable('related_store_terms')
    .addColumn('term_id', 'integer', (c) => c.primaryKey())
    .addColumn('term', 'text', (c) => c.notNull().unique())
    .addColumn('document_frequency', 'integer', (c) => c.notNull())
    .addColumn('collection_frequency', 'double precision', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('related_store_categories')
    .addColumn('category', 'text', (c) => c.primaryKey())
    .addColumn('category_id', 'integer', (c) => c.notNull().unique())
    .execute();
  // One row per indexed post: its analysed fields (so nothing re-analyses text), its base and
  // ranked vectors, and whether its neighbor list holds every post with a positive score.
  await db.schema
    .createTable('related_store_posts')
    .addColumn('post_id', 'text', (c) => c.primaryKey())
    .addColumn('slot', 'integer', (c) => c.notNull().unique())
    .addColumn('category_id', 'integer')
    .addColumn('fields', binary, (c) => c.notNull())
    .addColumn('base', binary, (c) => c.notNull())
    .addColumn('vector', binary, (c) => c.notNull())
    .addColumn('complete', 'integer', (c) => c.notNull())
    .addColumn('weighed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('related_store_posts_weighed_idx')
    .on('related_store_posts')
    .column('weighed_at')
    .execute();
  // Each post's best 2k neighbors (related_posts holds the first k of them).
  await db.schema
    .createTable('related_store_neighbors')
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('neighbor_slot', 'integer', (c) => c.notNull())
    .addColumn('neighbor_id', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('related_store_neighbors_pk', ['slot', 'rank'])
    .execute();
  await db.schema
    .createIndex('related_store_neighbors_neighbor_idx')
    .on('related_store_neighbors')
    .column('neighbor_slot')
    .execute();
  // Posting lists: kind 0 over base vectors, 1 over ranked vectors; entries are (int32 slot,
  // float32 weight) pairs, in no order.
  await db.schema
    .createTable('related_store_postings')
    .addColumn('kind', 'integer', (c) => c.notNull())
    .addColumn('feature', 'integer', (c) => c.notNull())
    .addColumn('entries', binary, (c) => c.notNull())
    .addPrimaryKeyConstraint('related_store_postings_pk', ['kind', 'feature'])
    .execute();
  // Per page of SLOTS_PER_PAGE slots: each slot's category id (int32, -1 none) and list
  // threshold (float64), read for every candidate an update scores.
  await db.schema
    .createTable('related_store_slot_pages')
    .addColumn('page', 'integer', (c) => c.primaryKey())
    .addColumn('categories', binary, (c) => c.notNull())
    .addColumn('thresholds', binary, (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'related_store_slot_pages',
    'related_store_postings',
    'related_store_neighbors',
    'related_store_posts',
    'related_store_categories',
    'related_store_terms',
    'related_store_meta',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
