import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Two lookups that page through subscribers in id order and had no index for it:
// - "active subscribers after id X" (`digest run`, instant runs): SQLite, without ANALYZE
//   statistics (the app never runs it), chose subscribers_due_idx for `status = 'active'` and
//   sorted every active subscriber for each page of 500 — quadratic: `digest run` took 180 s to
//   enqueue 100,000 digests and 6 s for 20,000.
// - every digest tick first looks for active subscribers whose schedule was never set
//   (`next_digest_at IS NULL`); the due index cannot give id order under IS NULL, so PostgreSQL
//   walked the primary key and filtered every row: ~0.7 s a minute at 1,000,000 subscribers, for
//   an answer that is almost always empty. The partial index holds only those rows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('subscribers_status_id_idx').on('subscribers').columns(['status', 'id']).execute();
  await db.schema
    .createIndex('subscribers_unscheduled_idx')
    .on('subscribers')
    .column('id')
    .where(sql.ref('status'), '=', 'active')
    .where(sql.ref('next_digest_at'), 'is', null)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('subscribers_unscheduled_idx').execute();
  await db.schema.dropIndex('subscribers_status_id_idx').execute();
}
