import { type Database, type Kysely, type Transaction, type WebhookDeliveryStatus, uuidv7 } from '@careerfeed/db';
import { isRowVisibleAt } from '@careerfeed/posts';

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
  /** The attempt's row, from `startAttempt`. */
  attemptId: string;
  deliveryId: string;
  finishedAt: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * Logs an attempt BEFORE its request leaves, and counts it on the delivery, in one commit: a
 * worker killed mid-request leaves an attempt with no outcome (shown as "unknown"), never a
 * request the log does not know of. Only while the delivery is pending: undefined when it is not
 * (delivered, dead or cancelled meanwhile) or is gone, and then nothing is to be sent.
 */
export async function startAttempt(
  db: Executor,
  attempt: { deliveryId: string; attemptedAt: string },
): Promise<string | undefined> {
  return db.transaction().execute(async (tx) => {
    // The delivery row first, then the attempt that references it, and nothing after: the same
    // order as `finishAttempt` (see there why the order matters on PostgreSQL).
    const counted = await tx
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: attempt.attemptedAt }))
      .where('id', '=', attempt.deliveryId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (counted.numUpdatedRows === 0n) return undefined;
    const id = uuidv7();
    await tx
      .insertInto('webhook_attempts')
      .values({
        id,
        delivery_id: attempt.deliveryId,
        attempted_at: attempt.attemptedAt,
        status_code: null,
        duration_ms: 0,
        error: null,
        outcome: null,
      })
      .execute();
    return id;
  });
}

/**
 * Completes an attempt `startAttempt` logged: its answer (or error) and duration, and — when the
 * attempt settles the delivery (`settles`: delivered, or dead) — moves the delivery to that state,
 * all in one transaction.
 */
export async function finishAttempt(
  db: Executor,
  attempt: AttemptOutcome,
  settles?: 'delivered' | 'failed',
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // The delivery row first, then its attempt. On PostgreSQL a concurrent DELETE of the
    // destination cascades to the delivery and then to its attempts: locking the attempt first
    // and the delivery second would take the two in the opposite order, a deadlock. Settling
    // applies only while the delivery is pending.
    const updated = await tx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        last_error: attempt.error,
        updated_at: attempt.finishedAt,
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
                .then(eb.val<string | null>(attempt.finishedAt))
                .else(eb.ref('delivered_at'))
                .end(),
            }
          : {}),
      }))
      .where('id', '=', attempt.deliveryId)
      .executeTakeFirst();
    // Deleted meanwhile (with its destination): its attempts went with it.
    if (updated.numUpdatedRows === 0n) return;
    await tx
      .updateTable('webhook_attempts')
      .set({
        status_code: attempt.statusCode,
        duration_ms: Math.round(attempt.durationMs),
        error: attempt.error,
        outcome: settles === 'delivered' ? 'delivered' : 'failed',
      })
      .where('id', '=', attempt.attemptId)
      .execute();
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
