import {
  type Compilable,
  type Database,
  type Dialect,
  type ExpressionBuilder,
  type Kysely,
  type QueryParameter,
  type RawBuilder,
  type Transact,
  type Transaction,
  type WebhookDeliveryStatus,
  isLockNotAvailable,
  prepareQuery,
  sql,
  uuidv7,
} from '@careerfeed/db';
import { isRowVisibleAt, visiblePostsAt } from '@careerfeed/posts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface DeliveryToSend {
  id: string;
  status: WebhookDeliveryStatus;
  body: string;
  url: string;
  /** As stored: encrypted (openWebhookSecret), or plaintext from before encryption. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  destination_id: string;
  destination_enabled: number;
  /** Whether readers can still see the post (an unpublished post's pending shares stop). */
  post_visible: boolean;
}

export async function findDeliveryToSend(
  db: Executor,
  id: string,
  nowUtc: string,
): Promise<DeliveryToSend | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_destinations as w', 'w.id', 'd.destination_id')
    .innerJoin('posts as p', 'p.id', 'd.post_id')
    .select([
      'd.id',
      'd.status',
      'd.body',
      'w.url',
      'w.secret',
      'w.previous_secret',
      'w.previous_secret_expires_at',
      'w.id as destination_id',
      'w.enabled as destination_enabled',
      'p.status as post_status',
      'p.published_at_utc',
    ])
    .where('d.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { post_status, published_at_utc, ...rest } = row;
  return {
    ...rest,
    post_visible: isRowVisibleAt({ status: post_status, published_at_utc }, nowUtc),
  };
}

export interface AttemptOutcome {
  /** The attempt's row, from `claimDelivery`. */
  attemptId: string;
  deliveryId: string;
  finishedAt: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** A delivery `claimDelivery` took: what its request needs. */
export interface ClaimedDelivery {
  id: string;
  body: string;
  url: string;
  /** As stored: encrypted (openWebhookSecret), or plaintext from before encryption. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  destination_id: string;
}

/** What a claim needs of a delivery's destination, returned with it (see `claim`). */
const claimReturning = (eb: ExpressionBuilder<Database, 'webhook_deliveries'>) => {
  // SQLite's RETURNING sees only the updated table (no UPDATE … FROM columns), so the
  // destination's fields come from subqueries on its primary key, on both dialects.
  const destinationOf = <C extends 'url' | 'secret' | 'previous_secret' | 'previous_secret_expires_at'>(column: C) =>
    eb
      .selectFrom('webhook_destinations as w')
      .select(`w.${column}` as `w.${C}`)
      .whereRef('w.id', '=', 'webhook_deliveries.destination_id');
  return [
    'id',
    'body',
    'destination_id',
    destinationOf('url').as('url'),
    destinationOf('secret').as('secret'),
    destinationOf('previous_secret').as('previous_secret'),
    destinationOf('previous_secret_expires_at').as('previous_secret_expires_at'),
  ] as const;
};

/** An attempt's answer to record, and the state it moves its delivery to (none: stays pending). */
export interface AttemptRecord extends AttemptOutcome {
  settles?: 'delivered' | 'failed';
}

/**
 * The statements of an attempt, built and compiled once per database (they run for every message;
 * see prepareQuery) rather than on every call. The `…Many` ones do the same for a batch of
 * messages in one statement; a batch's values are bound as lists (one JSON array read by
 * json_each on SQLite, arrays read by unnest on PostgreSQL), so each is one SQL text whatever
 * the batch's size.
 */
export function webhookDeliveryStatements(db: Kysely<Database>, dialect: Dialect) {
  const sqlite = dialect === 'sqlite';
  /** Raw SQL as prepareQuery takes it: compiled for this database's dialect. */
  const raw = (query: RawBuilder<unknown>): Compilable<unknown> => ({ compile: () => query.compile(db) });
  /**
   * A batch's delivery ids, as a subquery. On PostgreSQL it also locks those rows without waiting
   * (NOWAIT): a statement that locks several deliveries could otherwise wait in a cycle with a
   * cascading DELETE of their destination or post, which locks them in its own order. A batch
   * that meets a locked row fails at once (`isLockNotAvailable`), and its messages are then taken
   * one per transaction, as before batches, which cannot deadlock.
   */
  const idsIn = (ids: unknown) =>
    sqlite
      ? sql<string>`(select value from json_each(${ids}))`
      : sql<string>`(select l.id from webhook_deliveries as l where l.id = any(${ids}::text[]) for update nowait)`;
  const list = (values: unknown[]) => (sqlite ? JSON.stringify(values) : values);
  /** Pending, its destination enabled, its post visible to readers: what a claim takes. */
  const claimable = (eb: ExpressionBuilder<Database, 'webhook_deliveries'>, nowUtc: string) =>
    eb.and([
      eb('status', '=', 'pending'),
      eb.exists(
        eb
          .selectFrom('webhook_destinations as w')
          .select('w.id')
          .whereRef('w.id', '=', 'webhook_deliveries.destination_id')
          .where('w.enabled', '=', 1),
      ),
      eb.exists(
        eb
          .selectFrom('posts')
          .select('posts.id')
          .whereRef('posts.id', '=', 'webhook_deliveries.post_id')
          .where(visiblePostsAt(nowUtc)),
      ),
    ]);
  const settleAs = (settles: 'delivered' | 'failed' | undefined) =>
    prepareQuery((param: QueryParameter<{ deliveryId: string; finishedAt: string; error: string | null }>) =>
      db
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          last_error: param('error'),
          updated_at: param('finishedAt'),
          // Settling applies only while the delivery is pending.
          ...(settles
            ? {
                status: eb
                  .case()
                  .when('status', '=', 'pending')
                  .then(eb.val<WebhookDeliveryStatus>(settles))
                  .else(eb.ref('status'))
                  .end(),
              }
            : {}),
          ...(settles === 'delivered'
            ? {
                delivered_at: eb
                  .case()
                  .when('status', '=', 'pending')
                  .then(eb.val<string | null>(param('finishedAt')))
                  .else(eb.ref('delivered_at'))
                  .end(),
              }
            : {}),
        }))
        .where('id', '=', param('deliveryId')),
    );

  const claimMany = prepareQuery((param: QueryParameter<{ ids: unknown; nowUtc: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: param('nowUtc') }))
      .where('id', 'in', idsIn(param('ids')))
      .where((eb) => claimable(eb, param('nowUtc')))
      .returning(claimReturning),
  );
  const logAttempts = prepareQuery(
    (param: QueryParameter<{ rows?: unknown; ids?: unknown; deliveryIds?: unknown; attemptedAt: string }>) =>
      raw(
        sqlite
          ? sql`insert into webhook_attempts (id, delivery_id, attempted_at, duration_ms)
                select a.value ->> 0, a.value ->> 1, ${param('attemptedAt')}, 0 from json_each(${param('rows')}) as a`
          : sql`insert into webhook_attempts (id, delivery_id, attempted_at, duration_ms)
                select a.id, a.delivery_id, ${param('attemptedAt')}::text, 0
                from unnest(${param('ids')}::text[], ${param('deliveryIds')}::text[]) as a(id, delivery_id)`,
      ),
  );
  const recordMany = prepareQuery(
    (
      param: QueryParameter<{
        rows?: unknown;
        ids?: unknown;
        settles?: unknown;
        errors?: unknown;
        finishedAt?: unknown;
      }>,
    ) =>
      raw(
        sqlite
          ? sql`update webhook_deliveries
                set last_error = v.value ->> 2,
                    updated_at = v.value ->> 3,
                    status = case when webhook_deliveries.status = 'pending' and v.value ->> 1 is not null
                                  then v.value ->> 1 else webhook_deliveries.status end,
                    delivered_at = case when webhook_deliveries.status = 'pending' and v.value ->> 1 = 'delivered'
                                        then v.value ->> 3 else webhook_deliveries.delivered_at end
                from json_each(${param('rows')}) as v
                where webhook_deliveries.id = v.value ->> 0`
          : sql`update webhook_deliveries as d
                set last_error = v.error,
                    updated_at = v.finished_at,
                    status = case when d.status = 'pending' and v.settles is not null then v.settles else d.status end,
                    delivered_at = case when d.status = 'pending' and v.settles = 'delivered'
                                        then v.finished_at else d.delivered_at end
                from unnest(${param('ids')}::text[], ${param('settles')}::text[], ${param('errors')}::text[],
                            ${param('finishedAt')}::text[]) as v(id, settles, error, finished_at)
                where d.id = v.id and d.id in ${idsIn(param('ids'))}`,
      ),
  );
  const completeAttempts = prepareQuery(
    (
      param: QueryParameter<{
        rows?: unknown;
        ids?: unknown;
        statusCodes?: unknown;
        durations?: unknown;
        errors?: unknown;
        outcomes?: unknown;
      }>,
    ) =>
      raw(
        sqlite
          ? sql`update webhook_attempts
                set status_code = v.value ->> 1, duration_ms = v.value ->> 2, error = v.value ->> 3,
                    outcome = v.value ->> 4
                from json_each(${param('rows')}) as v
                where webhook_attempts.id = v.value ->> 0`
          : sql`update webhook_attempts as a
                set status_code = v.status_code, duration_ms = v.duration_ms, error = v.error, outcome = v.outcome
                from unnest(${param('ids')}::text[], ${param('statusCodes')}::int[], ${param('durations')}::int[],
                            ${param('errors')}::text[], ${param('outcomes')}::text[])
                     as v(id, status_code, duration_ms, error, outcome)
                where a.id = v.id`,
      ),
  );

  return {
    /**
     * Counts an attempt on a delivery that is pending, whose destination is enabled and whose post
     * readers can see, and returns what the request needs; no row when any of that is not so.
     */
    claim: prepareQuery((param: QueryParameter<{ deliveryId: string; nowUtc: string }>) =>
      db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: param('nowUtc') }))
        .where('id', '=', param('deliveryId'))
        .where((eb) => claimable(eb, param('nowUtc')))
        .returning(claimReturning),
    ),
    /** `claim` for a batch of deliveries: the ones that can be claimed come back. */
    claimMany: (executor: Kysely<Database>, ids: string[], nowUtc: string) =>
      claimMany(executor, { ids: list(ids), nowUtc }),
    /** The attempt rows of a batch's claims. */
    logAttempts: (executor: Kysely<Database>, attempts: { id: string; deliveryId: string }[], attemptedAt: string) =>
      logAttempts(
        executor,
        sqlite
          ? { rows: list(attempts.map((a) => [a.id, a.deliveryId])), attemptedAt }
          : { ids: attempts.map((a) => a.id), deliveryIds: attempts.map((a) => a.deliveryId), attemptedAt },
      ),
    /** `recordRetry`, `recordDelivered` or `recordFailed`, each row its own, for a batch. */
    recordMany: (executor: Kysely<Database>, records: AttemptRecord[]) =>
      recordMany(
        executor,
        sqlite
          ? { rows: list(records.map((r) => [r.deliveryId, r.settles ?? null, r.error, r.finishedAt])) }
          : {
              ids: records.map((r) => r.deliveryId),
              settles: records.map((r) => r.settles ?? null),
              errors: records.map((r) => r.error),
              finishedAt: records.map((r) => r.finishedAt),
            },
      ),
    /** `completeAttempt` for a batch. */
    completeAttempts: (executor: Kysely<Database>, records: AttemptRecord[]) => {
      const outcomeOf = (r: AttemptRecord) => (r.settles === 'delivered' ? 'delivered' : 'failed');
      return completeAttempts(
        executor,
        sqlite
          ? {
              rows: list(
                records.map((r) => [r.attemptId, r.statusCode, Math.round(r.durationMs), r.error, outcomeOf(r)]),
              ),
            }
          : {
              ids: records.map((r) => r.attemptId),
              statusCodes: records.map((r) => r.statusCode),
              durations: records.map((r) => Math.round(r.durationMs)),
              errors: records.map((r) => r.error),
              outcomes: records.map(outcomeOf),
            },
      );
    },
    logAttempt: prepareQuery((param: QueryParameter<{ id: string; deliveryId: string; attemptedAt: string }>) =>
      db.insertInto('webhook_attempts').values({
        id: param('id'),
        delivery_id: param('deliveryId'),
        attempted_at: param('attemptedAt'),
        status_code: null,
        duration_ms: 0,
        error: null,
        outcome: null,
      }),
    ),
    recordRetry: settleAs(undefined),
    recordDelivered: settleAs('delivered'),
    recordFailed: settleAs('failed'),
    completeAttempt: prepareQuery(
      (
        param: QueryParameter<{
          attemptId: string;
          statusCode: number | null;
          durationMs: number;
          error: string | null;
          outcome: 'delivered' | 'failed';
        }>,
      ) =>
        db
          .updateTable('webhook_attempts')
          .set({
            status_code: param('statusCode'),
            duration_ms: param('durationMs'),
            error: param('error'),
            outcome: param('outcome'),
          })
          .where('id', '=', param('attemptId')),
    ),
  };
}

export type WebhookDeliveryStatements = ReturnType<typeof webhookDeliveryStatements>;

/**
 * Takes a delivery for an attempt and logs that attempt BEFORE its request leaves, in one commit
 * (`transact` may share it with other deliveries' claims and results, see transactInBatches):
 * the claim (one UPDATE … RETURNING: pending, destination enabled, post visible; the attempt
 * counted) and the attempt's row. A worker killed mid-request leaves an attempt with no outcome
 * (shown as "unknown"), never a request the log does not know of. `prepare` turns the claimed row
 * into what the request needs (the opened secrets) inside the transaction: when it throws, nothing
 * is committed and the error is passed on. Undefined when the delivery cannot be claimed (not
 * pending, gone, destination disabled or post hidden; `findDeliveryToSend` tells which).
 */
export async function claimDelivery<T>(
  transact: Transact,
  statements: WebhookDeliveryStatements,
  claim: { deliveryId: string; attemptedAt: string },
  prepare: (delivery: ClaimedDelivery) => T,
): Promise<{ attemptId: string; delivery: ClaimedDelivery; prepared: T } | undefined> {
  return transact(async (tx) => {
    // The delivery row first, then the attempt that references it, and nothing after: the same
    // order as `recordAttempt` (see there why the order matters on PostgreSQL).
    const { rows } = await statements.claim(tx, { deliveryId: claim.deliveryId, nowUtc: claim.attemptedAt });
    const row = rows[0];
    // The destination exists: the claim's WHERE saw it enabled, and the subqueries run in the same statement.
    if (!row || row.url === null || row.secret === null) return undefined;
    const delivery: ClaimedDelivery = { ...row, url: row.url, secret: row.secret };
    const prepared = prepare(delivery);
    const attemptId = uuidv7();
    await statements.logAttempt(tx, { id: attemptId, deliveryId: delivery.id, attemptedAt: claim.attemptedAt });
    return { attemptId, delivery, prepared };
  });
}

/**
 * Completes an attempt `claimDelivery` logged: its answer (or error) and duration, and — when the
 * attempt settles the delivery (`settles`: delivered, or dead) — moves the delivery to that state,
 * all in one transaction.
 */
export async function recordAttempt(
  transact: Transact,
  statements: WebhookDeliveryStatements,
  attempt: AttemptOutcome,
  settles?: 'delivered' | 'failed',
): Promise<void> {
  await transact(async (tx) => {
    // The delivery row first, then its attempt. On PostgreSQL a concurrent DELETE of the
    // destination cascades to the delivery and then to its attempts: locking the attempt first
    // and the delivery second would take the two in the opposite order, a deadlock.
    const record =
      settles === 'delivered'
        ? statements.recordDelivered
        : settles === 'failed'
          ? statements.recordFailed
          : statements.recordRetry;
    const updated = await record(tx, {
      deliveryId: attempt.deliveryId,
      finishedAt: attempt.finishedAt,
      error: attempt.error,
    });
    // Deleted meanwhile (with its destination): its attempts went with it.
    if (!updated.numAffectedRows) return;
    await statements.completeAttempt(tx, {
      attemptId: attempt.attemptId,
      statusCode: attempt.statusCode,
      durationMs: Math.round(attempt.durationMs),
      error: attempt.error,
      outcome: settles === 'delivered' ? 'delivered' : 'failed',
    });
  });
}

/** How the claim of one delivery of a batch went (see `claimDeliveries`). */
export type BatchClaim<T> =
  | { claimed: true; attemptId: string; delivery: ClaimedDelivery; prepared: T }
  /** Claimable, but `prepare` threw: its claim was undone, `error` is what it threw. */
  | { claimed: false; error: unknown }
  /** Not claimable (not pending, gone, destination disabled or post hidden; `findDeliveryToSend` tells which). */
  | undefined;

/** A `prepare` that threw, told apart from the database's errors in `claimDeliveries`' fallback. */
class PrepareFailed extends Error {
  constructor(readonly error: unknown) {
    super('prepare failed');
  }
}

/** Thrown inside a batch's transaction to undo it when `prepare` failed for some of its deliveries. */
class UnpreparedDeliveries extends Error {
  constructor(readonly errors: Map<string, unknown>) {
    super(`${errors.size} claimed deliveries could not be prepared`);
  }
}

/**
 * `claimDelivery` for a batch of deliveries, with the same guarantees per delivery: one UPDATE …
 * RETURNING claims every one that can be claimed, one INSERT logs their attempts, one commit
 * holds both, before any of their requests leaves. A delivery whose `prepare` throws is left out
 * (the transaction is undone and run again without it), so its claim and attempt never count.
 * Results in the order of `deliveryIds`. On PostgreSQL a batch that meets a delivery locked by
 * another transaction falls back to one `claimDelivery` per delivery (see `idsIn`).
 */
export async function claimDeliveries<T>(
  transact: Transact,
  statements: WebhookDeliveryStatements,
  claim: { deliveryIds: string[]; attemptedAt: string },
  prepare: (delivery: ClaimedDelivery) => T,
): Promise<BatchClaim<T>[]> {
  const unprepared = new Map<string, unknown>();
  let ids = claim.deliveryIds;
  for (;;) {
    try {
      const claimed = await transact(async (tx) => {
        // The delivery rows first, then the attempts that reference them: the order of `recordAttempt`.
        const { rows } = await statements.claimMany(tx, ids, claim.attemptedAt);
        const taken = new Map<string, { attemptId: string; delivery: ClaimedDelivery; prepared: T }>();
        const failed = new Map<string, unknown>();
        for (const row of rows) {
          if (row.url === null || row.secret === null) continue;
          const delivery: ClaimedDelivery = { ...row, url: row.url, secret: row.secret };
          try {
            taken.set(row.id, { attemptId: uuidv7(), delivery, prepared: prepare(delivery) });
          } catch (caught) {
            failed.set(row.id, caught);
          }
        }
        if (failed.size > 0) throw new UnpreparedDeliveries(failed);
        if (taken.size > 0) {
          const attempts = [...taken.values()].map((t) => ({ id: t.attemptId, deliveryId: t.delivery.id }));
          await statements.logAttempts(tx, attempts, claim.attemptedAt);
        }
        return taken;
      });
      return claim.deliveryIds.map((id) => {
        const error = unprepared.get(id);
        if (error !== undefined) return { claimed: false, error };
        const taken = claimed.get(id);
        // An id asked for twice in one batch is claimed once: the second ask finds it taken.
        claimed.delete(id);
        return taken && { claimed: true, ...taken };
      });
    } catch (caught) {
      if (caught instanceof UnpreparedDeliveries) {
        for (const [id, error] of caught.errors) unprepared.set(id, error);
        ids = ids.filter((id) => !caught.errors.has(id));
        if (ids.length > 0) continue;
        return claim.deliveryIds.map((id) => ({ claimed: false, error: unprepared.get(id) }));
      }
      if (!isLockNotAvailable(caught)) throw caught;
      const guarded = (delivery: ClaimedDelivery) => {
        try {
          return prepare(delivery);
        } catch (error) {
          throw new PrepareFailed(error);
        }
      };
      return Promise.all(
        claim.deliveryIds.map(async (id): Promise<BatchClaim<T>> => {
          const error = unprepared.get(id);
          if (error !== undefined) return { claimed: false, error };
          try {
            const one = await claimDelivery(
              transact,
              statements,
              { deliveryId: id, attemptedAt: claim.attemptedAt },
              guarded,
            );
            return one && { claimed: true, ...one };
          } catch (failed) {
            if (failed instanceof PrepareFailed) return { claimed: false, error: failed.error };
            throw failed;
          }
        }),
      );
    }
  }
}

/**
 * `recordAttempt` for a batch: each attempt's answer, and each delivery's state when its attempt
 * settles it, in two statements and one commit. On PostgreSQL a batch that meets a delivery
 * locked by another transaction falls back to one `recordAttempt` per attempt (see `idsIn`).
 */
export async function recordAttempts(
  transact: Transact,
  statements: WebhookDeliveryStatements,
  records: AttemptRecord[],
): Promise<void> {
  try {
    await transact(async (tx) => {
      // The delivery rows first, then their attempts (see recordAttempt). A delivery deleted
      // meanwhile took its attempts with it: both statements just match nothing for it.
      await statements.recordMany(tx, records);
      await statements.completeAttempts(tx, records);
    });
  } catch (caught) {
    if (!isLockNotAvailable(caught)) throw caught;
    await Promise.all(records.map((record) => recordAttempt(transact, statements, record, record.settles)));
  }
}

/** Moves a pending delivery to its final state; a delivery no longer pending is left alone. */
export async function finishDelivery(
  db: Executor,
  id: string,
  status: Exclude<WebhookDeliveryStatus, 'pending'>,
  nowUtc: string,
  error: string | null,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status,
      updated_at: nowUtc,
      ...(status === 'delivered' ? { delivered_at: nowUtc, last_error: null } : { last_error: error }),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * 410 Gone: the destination is disabled and its pending deliveries are cancelled (their jobs find
 * them so and stop). Re-enabling it (PATCH) does not revive them; replay does, one by one.
 */
export async function disableGoneDestination(
  db: Kysely<Database>,
  destinationId: string,
  nowUtc: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('webhook_destinations')
      .set({ enabled: 0, disabled_reason: 'gone', updated_at: nowUtc })
      .where('id', '=', destinationId)
      .execute();
    await tx
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', last_error: 'the destination answered 410 Gone', updated_at: nowUtc })
      .where('destination_id', '=', destinationId)
      .where('status', '=', 'pending')
      .execute();
  });
}
