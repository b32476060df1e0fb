import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// A partner source is a feed (RSS, Atom, JSON Feed: polled with conditional GETs) or a WordPress
// site (synced through its REST API by modification time, its feed when the API is off).
// `sync_cursor` is a WordPress source's high-water mark: the latest `modified_gmt` it has stored,
// sent back as `modified_after` so each poll asks only for posts changed since.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sources')
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .defaultTo('feed')
        .check(sql`kind in ('feed', 'wordpress')`),
    )
    .execute();
  await db.schema.alterTable('sources').addColumn('sync_cursor', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sources').dropColumn('sync_cursor').execute();
  await db.schema.alterTable('sources').dropColumn('kind').execute();
}
