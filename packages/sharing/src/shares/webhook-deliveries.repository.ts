import {
  type Database,
  type ExpressionBuilder,
  type Kysely,
  type QueryParameter,
  type Transact,
  type Transaction,
  type WebhookDeliveryStatus,
  prepareQuery,
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

/**
 * The statements of an attempt, built and compiled once per database (they run for every message;
 * see prepareQuery) rather than on every call.
 */
export function webhookDeliveryStatements(db: Kysely<Database>) {
  const destinationOf = <C extends 'url' | 'secret' | 'previous_secret' | 'previous_secret_expires_at'>(
    eb: ExpressionBuilder<Database, 'webhook_deliveries'>,
    column: C,
  ) =>
    eb
      .selectFrom('webhook_destinations as w')
      .select(`w.${column}` as `w.${C}`)
      .whereRef('w.id', '=', 'webhook_deliveries.destination_id');
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
        .where('status', '=', 'pending')
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('webhook_destinations as w')
              .select('w.id')
              .whereRef('w.id', '=', 'webhook_deliveries.destination_id')
              .where('w.enabled', '=', 1),
          ),
        )
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('posts')
              .select('posts.id')
              .whereRef('posts.id', '=', 'webhook_deliveries.post_id')
              .where(visiblePostsAt(param('nowUtc'))),
          ),
        )
        // SQLite's RETURNING sees only the updated table (no UPDATE … FROM columns), so the
        // destination's fields come from subqueries on its primary key, on both dialects.
        .returning((eb) => [
          'id',
          'body',
          'destination_id',
          destinationOf(eb, 'url').as('url'),
          destinationOf(eb, 'secret').as('secret'),
          destinationOf(eb, 'previous_secret').as('previous_secret'),
          destinationOf(eb, 'previous_secret_expires_at').as('previous_secret_expires_at'),
        ]),
    ),
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
