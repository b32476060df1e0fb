import type { Queue } from 'bullmq';
import {
  AppError,
  NETWORKS,
  type Network,
  generateWebhookSecret,
  isSealedWebhookSecret,
  openWebhookSecret,
  sealWebhookSecret,
} from '@careerfeed/core';
import {
  type Db,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookDestinationRow,
  uuidv7,
} from '@careerfeed/db';
import { OutboundRequestError, assertPublicHttpUrl } from '@careerfeed/http';
import { WEBHOOK_DELIVERY_JOB, webhookDeliveryJobOptions } from '@careerfeed/jobs';
import * as repo from './webhooks.repository';
import type { DeliveryResource, RotatedWebhookResource, WebhookResource } from './webhooks.resource';
import type {
  CreateWebhookInput,
  ListDeliveriesQuery,
  RotateWebhookSecretInput,
  UpdateWebhookInput,
} from './webhooks.schema';

export interface WebhooksDeps {
  db: Db;
  /** The worker's delivery queue; replays are added here. */
  deliveriesQueue: Queue;
  allowPrivateNetworks: boolean;
  /** WEBHOOK_SECRETS_KEY (resolveWebhookSecretsKey): secrets are stored encrypted under it. */
  secretsKey: Buffer;
  now?: () => Date;
}

/** How long the secret before a rotation keeps signing, unless the request says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;

export type { DeliveryResource, WebhookResource } from './webhooks.resource';

const now = (deps: WebhooksDeps): Date => deps.now?.() ?? new Date();

export async function createWebhook(
  deps: WebhooksDeps,
  input: CreateWebhookInput,
): Promise<WebhookResource & { secret: string }> {
  const url = await checkedUrl(deps, input.url);
  const at = now(deps).toISOString();
  const id = uuidv7();
  const secret = generateWebhookSecret();
  const row: WebhookDestinationRow = {
    id,
    url,
    networks: JSON.stringify(input.networks ?? NETWORKS),
    // Only ever stored encrypted; the answer to this request is the one place it is shown.
    secret: sealWebhookSecret(deps.secretsKey, id, secret),
    previous_secret: null,
    previous_secret_expires_at: null,
    enabled: 1,
    disabled_reason: null,
    created_at: at,
    updated_at: at,
  };
  await repo.insertDestination(deps.db.kysely, row);
  return { ...toResource(row), secret };
}

/**
 * A new secret for a destination, shown once, in the answer. For `overlap_seconds` (default 24 h)
 * deliveries are signed with both the new and the replaced secret (two `v1,` entries in
 * `webhook-signature`), so a receiver can switch without dropping a message; then with the new one
 * only. Rotating again during an overlap replaces the older secret: only the last two sign. The
 * current secret must open with the configured key first, so a wrong WEBHOOK_SECRETS_KEY fails here
 * (500, logged) instead of storing a new secret that deliveries could not pair with the old one.
 */
export async function rotateWebhookSecret(
  deps: WebhooksDeps,
  id: string,
  input: RotateWebhookSecretInput,
): Promise<RotatedWebhookResource> {
  const row = await existingDestination(deps, id);
  openWebhookSecret(deps.secretsKey, id, row.secret);
  const overlapSeconds = input.overlap_seconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  const at = now(deps);
  const secret = generateWebhookSecret();
  const previousExpiresAt = overlapSeconds > 0 ? new Date(at.getTime() + overlapSeconds * 1000).toISOString() : null;
  const rotated = await repo.rotateSecret(deps.db.kysely, id, {
    currentSealed: row.secret,
    nextSealed: sealWebhookSecret(deps.secretsKey, id, secret),
    previousSealed:
      previousExpiresAt === null
        ? null
        : isSealedWebhookSecret(row.secret)
          ? row.secret
          : sealWebhookSecret(deps.secretsKey, id, row.secret),
    previousExpiresAt,
    nowUtc: at.toISOString(),
  });
  if (!rotated) {
    const stillThere = await repo.findDestination(deps.db.kysely, id);
    if (!stillThere) throw notFound(`No webhook has the id "${id}"`);
    throw new AppError({
      code: 'CONFLICT',
      status: 409,
      detail: 'The secret was rotated by another request at the same time; nothing was changed by this one',
    });
  }
  const updated = await existingDestination(deps, id);
  return { ...toResource(updated), secret, previous_secret_expires_at: previousExpiresAt };
}

/**
 * Encrypts secrets still stored in plaintext (destinations created before encryption). Run by
 * ingest and the worker when they start; idempotent, and safe with several instances starting at
 * once (each write is conditional on the plaintext still being there). Returns how many were sealed.
 */
export async function sealPlaintextWebhookSecrets(db: Db, secretsKey: Buffer): Promise<number> {
  let sealed = 0;
  for (const row of await repo.findPlaintextSecrets(db.kysely)) {
    for (const column of ['secret', 'previous_secret'] as const) {
      const value = row[column];
      if (value === null || !value.startsWith('whsec_')) continue;
      await repo.replacePlaintextSecret(db.kysely, row.id, column, value, sealWebhookSecret(secretsKey, row.id, value));
      sealed += 1;
    }
  }
  return sealed;
}

export async function listWebhooks(deps: WebhooksDeps): Promise<WebhookResource[]> {
  return (await repo.listDestinations(deps.db.kysely)).map(toResource);
}

export async function getWebhook(deps: WebhooksDeps, id: string): Promise<WebhookResource> {
  return toResource(await existingDestination(deps, id));
}

export async function updateWebhook(
  deps: WebhooksDeps,
  id: string,
  patch: UpdateWebhookInput,
): Promise<WebhookResource> {
  await existingDestination(deps, id);
  // Checked before anything is written: a refused URL changes nothing.
  const url = patch.url === undefined ? undefined : await checkedUrl(deps, patch.url);
  await repo.updateDestination(deps.db.kysely, id, {
    ...(url === undefined ? {} : { url }),
    ...(patch.networks === undefined ? {} : { networks: JSON.stringify(patch.networks) }),
    ...(patch.enabled === undefined
      ? {}
      : { enabled: patch.enabled ? 1 : 0, disabled_reason: patch.enabled ? null : 'operator' }),
    updated_at: now(deps).toISOString(),
  });
  return getWebhook(deps, id);
}

export async function deleteWebhook(deps: WebhooksDeps, id: string): Promise<void> {
  if (!(await repo.deleteDestination(deps.db.kysely, id))) throw notFound(`No webhook has the id "${id}"`);
}

export async function listDeliveries(
  deps: WebhooksDeps,
  id: string,
  query: ListDeliveriesQuery,
): Promise<{ items: DeliveryResource[]; next_cursor: string | null }> {
  await existingDestination(deps, id);
  const rows = await repo.listDeliveries(deps.db.kysely, {
    destinationId: id,
    status: query.status,
    before: query.cursor ? decodeCursor(query.cursor) : undefined,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const attempts = await repo.findAttemptsOf(
    deps.db.kysely,
    page.map((r) => r.id),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((row) => toDeliveryResource(row, attempts.get(row.id) ?? [])),
    next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
  };
}

/**
 * Puts a dead (`failed`) or `cancelled` delivery back on the queue with a fresh retry schedule.
 * Same message id and body, so a receiver that got it after all recognises it. A job of the same
 * id that BullMQ still keeps (the failed one) is removed first, or the add would be ignored.
 */
export async function replayDelivery(deps: WebhooksDeps, id: string, messageId: string): Promise<DeliveryResource> {
  const destination = await existingDestination(deps, id);
  const delivery = await repo.findDelivery(deps.db.kysely, messageId);
  if (!delivery || delivery.destination_id !== id)
    throw notFound(`Webhook ${id} has no delivery "${messageId.slice(0, 80)}"`);
  if (destination.enabled !== 1) {
    throw new AppError({
      code: 'CONFLICT',
      status: 409,
      detail: 'The webhook is disabled; enable it (PATCH {"enabled": true}) before replaying',
    });
  }
  const at = now(deps).toISOString();
  if (!(await repo.reopenDelivery(deps.db.kysely, messageId, at))) {
    throw new AppError({
      code: 'CONFLICT',
      status: 409,
      detail: `Only failed or cancelled deliveries can be replayed; this one is ${delivery.status}`,
    });
  }
  try {
    const stale = await deps.deliveriesQueue.getJob(messageId);
    if (stale) await stale.remove();
    await deps.deliveriesQueue.add(WEBHOOK_DELIVERY_JOB, { messageId }, webhookDeliveryJobOptions(messageId));
  } catch {
    // Not queued: put the row back as it was, so it stays visible (and replayable) as dead.
    await repo.restoreDeliveryStatus(deps.db.kysely, messageId, delivery.status, at);
    throw new AppError({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      detail: 'The queue is unavailable; nothing was replayed. Try again shortly.',
    });
  }
  const reopened = (await repo.findDelivery(deps.db.kysely, messageId))!;
  const attempts = await repo.findAttemptsOf(deps.db.kysely, [messageId]);
  return toDeliveryResource(reopened, attempts.get(messageId) ?? []);
}

// ---------------------------------------------------------------------------------------------

async function checkedUrl(deps: WebhooksDeps, url: string): Promise<string> {
  try {
    return (await assertPublicHttpUrl(url, deps.allowPrivateNetworks)).toString();
  } catch (error) {
    if (!(error instanceof OutboundRequestError)) throw error;
    const message =
      error.code === 'BLOCKED_ADDRESS'
        ? 'must not point to a private, loopback or otherwise non-public address'
        : 'must be a reachable absolute http(s) URL without credentials';
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: `Invalid request body: url ${message}`,
      errors: [{ path: 'url', message }],
    });
  }
}

async function existingDestination(deps: WebhooksDeps, id: string): Promise<WebhookDestinationRow> {
  const row = await repo.findDestination(deps.db.kysely, id);
  if (!row) throw notFound(`No webhook has the id "${id}"`);
  return row;
}

function notFound(detail: string): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail });
}

function toResource(row: WebhookDestinationRow): WebhookResource {
  return {
    id: row.id,
    url: row.url,
    networks: JSON.parse(row.networks) as Network[],
    enabled: row.enabled === 1,
    // The column holds only these (set by the delivery worker on a 410, or by PATCH).
    disabled_reason: row.disabled_reason as WebhookResource['disabled_reason'],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toDeliveryResource(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): DeliveryResource {
  return {
    id: row.id,
    post_id: row.post_id,
    network: row.network as Network,
    status: row.status,
    attempts: attempts.map((a) => ({
      attempted_at: a.attempted_at,
      // Logged before its request, completed after: no outcome means under way, or its worker died.
      outcome: a.outcome ?? 'unknown',
      status_code: a.status_code,
      duration_ms: a.outcome === null ? null : a.duration_ms,
      error: a.error,
    })),
    last_error: row.last_error,
    created_at: row.created_at,
    updated_at: row.updated_at,
    delivered_at: row.delivered_at,
  };
}

function encodeCursor(row: WebhookDeliveryRow): string {
  return Buffer.from(`${row.created_at}|${row.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || rest.length > 0 || Number.isNaN(Date.parse(createdAt))) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'Invalid query: cursor must be a next_cursor from an earlier page',
      errors: [{ path: 'cursor', message: 'must be a next_cursor from an earlier page' }],
    });
  }
  return { createdAt, id };
}

/**
 * Replays the dead letters of a destination (the newest `limit`), each as `replayDelivery` does.
 * One that another request replayed meanwhile is counted as already retried: a repeated click
 * (or a form sent twice) puts nothing on the queue twice.
 */
export async function replayDeadLetters(
  deps: WebhooksDeps,
  id: string,
  limit = 100,
): Promise<{ replayed: number; alreadyRetried: number }> {
  const destination = await existingDestination(deps, id);
  if (destination.enabled !== 1) {
    throw new AppError({ code: 'CONFLICT', status: 409, detail: 'The webhook is disabled; enable it before retrying' });
  }
  const dead = await repo.listDeliveries(deps.db.kysely, { destinationId: id, status: 'failed', limit });
  let replayed = 0;
  let alreadyRetried = 0;
  for (const delivery of dead) {
    try {
      await replayDelivery(deps, id, delivery.id);
      replayed++;
    } catch (error) {
      if (error instanceof AppError && error.status === 409 && error.code === 'CONFLICT') alreadyRetried++;
      else throw error;
    }
  }
  return { replayed, alreadyRetried };
}
