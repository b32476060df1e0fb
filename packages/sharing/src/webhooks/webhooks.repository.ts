import type {
  Database,
  Kysely,
  Transaction,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookDeliveryStatus,
  WebhookDestinationRow,
} from '@careerfeed/db';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertDestination(db: Executor, row: WebhookDestinationRow): Promise<void> {
  await db.insertInto('webhook_destinations').values(row).execute();
}

export function findDestination(db: Executor, id: string): Promise<WebhookDestinationRow | undefined> {
  return db.selectFrom('webhook_destinations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listDestinations(db: Executor): Promise<WebhookDestinationRow[]> {
  return db.selectFrom('webhook_destinations').selectAll().orderBy('id').execute();
}

export async function updateDestination(
  db: Executor,
  id: string,
  fields: Partial<Pick<WebhookDestinationRow, 'url' | 'networks' | 'enabled' | 'disabled_reason' | 'updated_at'>>,
): Promise<void> {
  await db.updateTable('webhook_destinations').set(fields).where('id', '=', id).execute();
}

/**
 * Replaces the secret, keeping the one it replaces as `previous_secret` until `previousExpiresAt`.
 * Conditional on the secret still being `currentSealed`: of two rotations racing, one wins and the
 * other changes nothing (false), so no secret handed out is lost.
 */
export async function rotateSecret(
  db: Executor,
  id: string,
  change: {
    currentSealed: string;
    nextSealed: string;
    /** Null for a rotation without overlap. */
    previousSealed: string | null;
    previousExpiresAt: string | null;
    nowUtc: string;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_destinations')
    .set({
      secret: change.nextSealed,
      previous_secret: change.previousSealed,
      previous_secret_expires_at: change.previousExpiresAt,
      updated_at: change.nowUtc,
    })
    .where('id', '=', id)
    .where('secret', '=', change.currentSealed)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Destinations whose secret (or previous secret) is still stored as it was before encryption. */
export function findPlaintextSecrets(
  db: Executor,
): Promise<Pick<WebhookDestinationRow, 'id' | 'secret' | 'previous_secret'>[]> {
  return db
    .selectFrom('webhook_destinations')
    .select(['id', 'secret', 'previous_secret'])
    // `_` matches any one character here; callers check the exact prefix (sealed values start `enc:`).
    .where((eb) => eb.or([eb('secret', 'like', 'whsec_%'), eb('previous_secret', 'like', 'whsec_%')]))
    .execute();
}

/** Writes the sealed form of a plaintext value, unless the row changed meanwhile. */
export async function replacePlaintextSecret(
  db: Executor,
  id: string,
  column: 'secret' | 'previous_secret',
  plaintext: string,
  sealed: string,
): Promise<void> {
  await db
    .updateTable('webhook_destinations')
    .set({ [column]: sealed })
    .where('id', '=', id)
    .where(column, '=', plaintext)
    .execute();
}

/** Deletes the destination with its deliveries and their attempt log (cascade); true when it existed. */
export async function deleteDestination(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_destinations').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Newest first; `before` is the (created_at, id) of the last row of the previous page. */
export function listDeliveries(
  db: Executor,
  filter: {
    destinationId: string;
    status?: WebhookDeliveryStatus;
    before?: { createdAt: string; id: string };
    limit: number;
  },
): Promise<WebhookDeliveryRow[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('destination_id', '=', filter.destinationId);
  if (filter.status) query = query.where('status', '=', filter.status);
  const before = filter.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export function findDelivery(db: Executor, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findAttemptsOf(db: Executor, deliveryIds: string[]): Promise<Map<string, WebhookAttemptRow[]>> {
  const byDelivery = new Map<string, WebhookAttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('attempted_at')
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push(row);
    byDelivery.set(row.delivery_id, list);
  }
  return byDelivery;
}

/** Sets a dead or cancelled delivery back to pending; false when it was in another state (a race or a repeat). */
export async function reopenDelivery(db: Executor, id: string, nowUtc: string): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', updated_at: nowUtc })
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'cancelled'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function restoreDeliveryStatus(
  db: Executor,
  id: string,
  status: WebhookDeliveryStatus,
  nowUtc: string,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status, updated_at: nowUtc })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}
