import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Comments imported from another system (a WordPress export) remember where they came from, so a
// second import of the same file finds them instead of storing them twice. Null for readers'
// comments; unique otherwise (NULLs never collide in a unique index, on SQLite or PostgreSQL).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comments').addColumn('external_id', 'text').execute();
  await db.schema.createIndex('comments_external_id_idx').unique().on('comments').column('external_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('comments_external_id_idx').execute();
  await db.schema.alterTable('comments').dropColumn('external_id').execute();
}
