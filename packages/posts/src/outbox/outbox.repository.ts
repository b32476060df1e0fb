import type { Database, Dialect, Kysely, OutboxEventRow } from '@careerfeed/db';

type Executor = Kysely<Database>;

export async function insertOutboxEvent(
  db: Executor,
  event: Pick<OutboxEventRow, 'id' | 'type' | 'post_id' | 'payload' | 'created_at'>,
): Promise<void> {
  await db
    .insertInto('outbox_events')
    .values({ ...event, dispatched_at: null, handled_at: null, lease_until: null, lease_owner: null, last_error: null })
    .execute();
}

/**
 * Claims up to `limit` events for `owner` until `leaseUntil`, oldest first: events never
 * dispatched, and events dispatched before `redispatchBefore` that the worker has not finished
 * with (their job may have vanished with Redis; adding it again is a no-op while it exists).
 * A relay that dies mid-batch loses its lease and another relay (or itself, restarted) takes the
 * events over, so nothing is lost; the job id makes the second enqueue of an event a no-op.
 * On PostgreSQL, SKIP LOCKED lets several ingest instances claim disjoint batches at once;
 * SQLite serializes writers anyway.
 */
export async function claimOutboxEvents(
  db: Executor,
  dialect: Dialect,
  options: { owner: string; now: string; leaseUntil: string; limit: number; redispatchBefore: string },
): Promise<OutboxEventRow[]> {
  return db.transaction().execute(async (trx) => {
    let candidates = trx
      .selectFrom('outbox_events')
      .select('id')
      .where('handled_at', 'is', null)
      .where((eb) => eb.or([eb('dispatched_at', 'is', null), eb('dispatched_at', '<', options.redispatchBefore)]))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', options.now)]))
      .orderBy('id')
      .limit(options.limit);
    if (dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();
    const ids = (await candidates.execute()).map((row) => row.id);
    if (ids.length === 0) return [];
    await trx
      .updateTable('outbox_events')
      .set((eb) => ({ lease_owner: options.owner, lease_until: options.leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
    return trx.selectFrom('outbox_events').selectAll().where('id', 'in', ids).orderBy('id').execute();
  });
}

export async function markOutboxEventsDispatched(
  db: Executor,
  ids: string[],
  owner: string,
  now: string,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox_events')
    .set({ dispatched_at: now, lease_until: null, last_error: null })
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Gives the batch back at once (instead of waiting for the lease to run out) and records why. */
export async function releaseOutboxEvents(db: Executor, ids: string[], owner: string, error: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox_events')
    .set({ lease_until: null, lease_owner: null, last_error: error.slice(0, 1000) })
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .execute();
}

export async function countPendingOutboxEvents(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('outbox_events')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('dispatched_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Dispatched events older than `before` are history; keeping a week of them helps debugging. */
export async function deleteDispatchedOutboxEvents(db: Executor, before: string): Promise<number> {
  const result = await db
    .deleteFrom('outbox_events')
    .where('dispatched_at', 'is not', null)
    .where('dispatched_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** When the oldest event the worker has not finished with was written (null when none): the outbox's lag. */
export async function oldestPendingOutboxEventAt(db: Executor): Promise<string | null> {
  const row = await db
    .selectFrom('outbox_events')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where('handled_at', 'is', null)
    .executeTakeFirst();
  return (row?.oldest as string | null | undefined) ?? null;
}

/**
 * The worker is done with these events: handled, or given up (a payload that can never succeed, or
 * every attempt failed; the failed job stays in BullMQ for inspection). Relays leave them alone.
 */
export async function markOutboxEventHandled(db: Executor, eventId: string, now: string): Promise<void> {
  await db
    .updateTable('outbox_events')
    .set({ handled_at: now })
    .where('id', '=', eventId)
    .where('handled_at', 'is', null)
    .execute();
}
