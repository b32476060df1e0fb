import type { Database, Kysely, Transaction, WebhookDeliveryStatus } from '@careerfeed/db';
import { uuidv7 } from '@careerfeed/db';
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

export interface AttemptRecord {
  deliveryId: string;
  attemptedAt: string;
  finishedAt: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * Logs one attempt and counts it on the delivery, and — when the attempt settles it (`settles`:
 * delivered, or dead) — moves it to that state, all in one transaction: one commit per attempt.
 */
export async function recordAttempt(
  db: Executor,
  attempt: AttemptRecord,
  settles?: 'delivered' | 'failed',
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // One UPDATE of the delivery row, then the attempt that references it, and nothing after.
    // On PostgreSQL, the attempt's foreign-key check share-locks the row; touching the row again
    // after that (inserting first and then updating, or a second UPDATE to settle the delivery)
    // has to queue for the row behind a concurrent DELETE of the destination (cascading to this
    // row) that is itself waiting for this transaction: a deadlock. So counting the attempt and
    // settling the delivery are one statement; the settling applies only while it is pending.
    const counted = await tx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
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
    // Deleted meanwhile (with its destination): nothing left to log the attempt on.
    if (counted.numUpdatedRows === 0n) return;
    await tx
      .insertInto('webhook_attempts')
      .values({
        id: uuidv7(),
        delivery_id: attempt.deliveryId,
        attempted_at: attempt.attemptedAt,
        status_code: attempt.statusCode,
        duration_ms: Math.round(attempt.durationMs),
        error: attempt.error,
      })
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
