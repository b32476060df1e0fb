import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// A webhook attempt is logged before its request leaves, and completed when the answer (or the
// error) comes: `outcome` is null until then. An attempt whose worker died mid-request keeps a
// null outcome (shown as "unknown": the receiver may or may not have the message).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhook_attempts')
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('delivered', 'failed')`))
    .execute();
  // Attempts logged before this column were logged once finished: their answer says how.
  await db
    .updateTable('webhook_attempts')
    .set({
      outcome: sql`case when status_code >= 200 and status_code < 300 then 'delivered' else 'failed' end`,
    })
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_attempts').dropColumn('outcome').execute();
}
