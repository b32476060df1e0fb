import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// The outbox records when the worker finished with an event (handled, or gave up on it), not only
// when the relay put it on the queue: an event whose job vanished with Redis (a restart without
// persistence) is dispatched again.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox_events').addColumn('handled_at', 'text').execute();
  // Events dispatched before this column existed were handled then (or are past saving): not again.
  await db
    .updateTable('outbox_events')
    .set((eb) => ({ handled_at: eb.ref('dispatched_at') }))
    .where('dispatched_at', 'is not', null)
    .execute();
  // The relay's claim: events not yet handled, by when they were dispatched.
  await db.schema
    .createIndex('outbox_events_unhandled_idx')
    .on('outbox_events')
    .columns(['handled_at', 'dispatched_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_events_unhandled_idx').execute();
  await db.schema.alterTable('outbox_events').dropColumn('handled_at').execute();
}
