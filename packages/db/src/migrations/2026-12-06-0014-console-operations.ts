import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Three records the staff console keeps so that its actions stick:
// - topic_redirects: a merged (or renamed) tag or category keeps answering at its old address,
//   with a 301 to the topic it was merged into;
// - partner_post_tombstones: a syndicated post staff deleted stays deleted when its partner feed
//   still lists the item (the poller skips any (source, external id) found here);
// - suppressed_addresses: addresses that must never be mailed again, whatever their subscription says;
// - authors.photo_url: an author's portrait, set from the console.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('topic_redirects')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('tag', 'category')`))
    .addColumn('from_slug', 'text', (c) => c.notNull())
    .addColumn('to_slug', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('topic_redirects_pk', ['kind', 'from_slug'])
    .execute();

  await db.schema
    .createTable('partner_post_tombstones')
    // A source's id (posts.source); no foreign key: a deleted source's tombstones are harmless.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    // What the post was, for the console's list (the post itself is gone).
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('partner_post_tombstones_pk', ['source', 'external_id'])
    .execute();

  await db.schema
    .createTable('suppressed_addresses')
    // Lower-cased, like subscribers.email_key.
    .addColumn('email_key', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('authors').addColumn('photo_url', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('authors').dropColumn('photo_url').execute();
  await db.schema.dropTable('suppressed_addresses').execute();
  await db.schema.dropTable('partner_post_tombstones').execute();
  await db.schema.dropTable('topic_redirects').execute();
}
