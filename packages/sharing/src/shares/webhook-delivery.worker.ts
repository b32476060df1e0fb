import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import {
  coalesce,
  createSlots,
  STANDARD_WEBHOOK_RETRY_SCHEDULE_MS,
  WebhookSecretError,
  deliveryVerdictOf,
  openWebhookSecret,
  parseRetryAfter,
  webhookHeaders,
  webhookRetryDelayMs,
} from '@careerfeed/core';
import { type Db, transactEach } from '@careerfeed/db';
import { OutboundRequestError, outboundRequest } from '@careerfeed/http';
import {
  WEBHOOK_BACKOFF_TYPE,
  WEBHOOK_DELIVERIES_QUEUE,
  anyWebhookDeliveryJobSchema,
  messagesWithTheirOwnJob,
} from '@careerfeed/jobs';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDeliveries,
  disableGoneDestination,
  findDeliveryToSend,
  finishDelivery,
  recordAttempts,
  webhookDeliveryStatements,
} from './webhook-deliveries.repository';

/** Opened destination secrets kept in memory (see `openSecret`). */
const OPENED_SECRETS_CAP = 1_000;

/** A failed attempt to retry; carries the receiver's Retry-After for the backoff strategy. */
class WebhookAttemptFailed extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'WebhookAttemptFailed';
  }
}

/** How one message's attempt in a job ended. */
type MessageOutcome =
  | { outcome: 'delivered' | 'gone' | 'cancelled' | 'not pending' }
  /** Dead (the schedule exhausted, a permanent error, or unsignable): `why` is the job's error. */
  | { outcome: 'failed'; why: string }
  | { outcome: 'retry'; error: string; retryAfterMs: number | undefined };

/** A claimed delivery whose destination secret does not open: the claim is undone, the delivery fails. */
class UnsignableDelivery extends Error {
  constructor(
    readonly destinationId: string,
    override readonly cause: WebhookSecretError,
  ) {
    super(cause.message);
    this.name = 'UnsignableDelivery';
  }
}

export interface WebhookDeliveryWorkerDeps {
  connection: Redis;
  prefix: string;
  db: Db;
  logger: Logger;
  registry?: Registry;
  allowPrivateNetworks: boolean;
  /** WEBHOOK_SECRETS_KEY: opens the destinations' stored secrets. */
  secretsKey: Buffer;
  /** Per attempt, the whole exchange (a hanging receiver cannot hold a worker longer). */
  timeoutMs: number;
  /** Delays before each retry; the default is the Standard Webhooks schedule. Tests pass milliseconds. */
  retrySchedule?: readonly number[];
  /** Cap on a receiver's Retry-After. */
  maxRetryAfterMs?: number;
  concurrency?: number;
  now?: () => Date;
}

/**
 * Sends share webhooks. A job carries the messages of one post for one destination (or, for a
 * replay or a job queued before batches, one message); its messages are sent at once, within the
 * worker's `concurrency` messages in flight. Each message is its own delivery: its attempt is
 * logged (committed) before its request leaves, signs the stored body with the destination's
 * secret and this attempt's timestamp, POSTs it (no redirects followed, SSRF policy checked at
 * connect time) and completes its log entry with the answer. A worker killed mid-request leaves
 * that entry without an outcome ("unknown"); BullMQ hands the job to another worker, whose attempt
 * sends the same message (same `webhook-id`) again. So a crash sends twice only the messages whose
 * requests were in flight, and logs every request. 2xx: delivered. 410: the destination is
 * disabled and its pending messages cancelled. Anything else (3xx, 4xx, 5xx, timeout, refused):
 * retried on the schedule, a Retry-After lengthening the wait; when the schedule is exhausted the
 * delivery is `failed` — the dead letter, replayable through the ingest API.
 *
 * A job's retry sends only its messages still to retry: the job keeps only those (updateData),
 * and a message no longer pending is not claimed (the rows say what was delivered). The retry
 * waits for the schedule or for the longest Retry-After of its messages (one endpoint answered).
 */
export function createWebhookDeliveryWorker(deps: WebhookDeliveryWorkerDeps): Worker {
  const now = deps.now ?? (() => new Date());
  const schedule = deps.retrySchedule ?? STANDARD_WEBHOOK_RETRY_SCHEDULE_MS;
  const outcomes = deps.registry
    ? new Counter({
        name: 'webhook_attempts_total',
        help: 'Webhook delivery attempts by outcome',
        labelNames: ['outcome'],
        registers: [deps.registry],
      })
    : undefined;
  const durations = deps.registry
    ? new Histogram({
        name: 'webhook_attempt_duration_seconds',
        help: 'Duration of webhook delivery attempts',
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
        registers: [deps.registry],
      })
    : undefined;
  // Messages by how they ended (an attempt's outcomes are above): pre-bound, each series from 0.
  const deliveries = deps.registry
    ? new Counter({
        name: 'webhook_deliveries_total',
        help: 'Webhook messages by final outcome: delivered (2xx), failed (retries exhausted: the dead letter), gone (410, destination disabled), cancelled',
        labelNames: ['outcome'],
        registers: [deps.registry],
      })
    : undefined;
  const ended = Object.fromEntries(
    (['delivered', 'failed', 'gone', 'cancelled'] as const).map((outcome) => {
      const child = deliveries?.labels(outcome);
      child?.inc(0);
      return [outcome, () => child?.inc()];
    }),
  ) as Record<'delivered' | 'failed' | 'gone' | 'cancelled', () => void>;

  const concurrency = deps.concurrency ?? 20;
  // WEBHOOK_CONCURRENCY keeps meaning requests in flight, across the worker's jobs.
  const inFlight = createSlots(concurrency);
  // Only to ask whether a message has a one-message job of its own (see deliverBatch).
  const queue = new Queue(WEBHOOK_DELIVERIES_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  queue.on('error', (error) => deps.logger.warn({ err: error }, 'webhook deliveries queue error'));

  const statements = webhookDeliveryStatements(deps.db.kysely, deps.db.dialect);
  // One transaction per batch: `claim` and `record` below already gather what is asked in one
  // turn of the event loop. transactInBatches (the grouping before batches) would wait one more
  // turn to do the same again, which only added latency.
  const transact = transactEach(deps.db.kysely);
  // Opening a sealed secret (AES-GCM, and hashing the key to check its id) for every message of
  // the same destination is repeated work: the opened secret is kept per stored value, so a
  // rotation (a new stored value) is seen at once and a damaged value is never cached.
  const openedSecrets = new Map<string, string>();
  const openSecret = (destinationId: string, stored: string): string => {
    const key = `${destinationId}\n${stored}`;
    let opened = openedSecrets.get(key);
    if (opened === undefined) {
      opened = openWebhookSecret(deps.secretsKey, destinationId, stored);
      // Bounded: a few entries per destination; dropping all at the cap costs one open each.
      if (openedSecrets.size >= OPENED_SECRETS_CAP) openedSecrets.clear();
      openedSecrets.set(key, opened);
    }
    return opened;
  };
  /** The secrets that sign: the current one, and during a rotation's overlap the one it replaced. */
  const signingSecrets = (delivery: ClaimedDelivery, nowUtc: string): string[] => {
    try {
      const secrets = [openSecret(delivery.destination_id, delivery.secret)];
      if (
        delivery.previous_secret !== null &&
        delivery.previous_secret_expires_at !== null &&
        delivery.previous_secret_expires_at > nowUtc
      ) {
        secrets.push(openSecret(delivery.destination_id, delivery.previous_secret));
      }
      return secrets;
    } catch (caught) {
      if (caught instanceof WebhookSecretError) throw new UnsignableDelivery(delivery.destination_id, caught);
      throw caught;
    }
  };

  // The messages that get a slot in the same turn of the event loop (a job's messages when slots
  // are free; those whose slots freed together otherwise) are claimed together: one statement
  // claims them, one logs their attempts, one commit holds both, before any of their requests
  // leaves. Taking the slot first keeps an attempt from being logged for a message that would
  // then wait for a slot (a crash there would leave an "unknown" attempt never sent). Likewise
  // the answers that arrive in the same turn are recorded together. The secrets are opened inside
  // the claim: one that does not open (a wrong WEBHOOK_SECRETS_KEY, a damaged row) leaves its
  // message unclaimed and fails it loudly — a dead letter saying why, replayable once the key is
  // right; never a request with a bad signature, never an attempt that was not made.
  const claim = coalesce((messageIds: string[]) => {
    const attemptedAt = now().toISOString();
    return claimDeliveries(transact, statements, { deliveryIds: messageIds, attemptedAt }, (delivery) =>
      signingSecrets(delivery, attemptedAt),
    );
  });
  const record = coalesce(async (records: AttemptRecord[]) => {
    await recordAttempts(transact, statements, records);
    return records.map(() => undefined);
  });

  /** Why a delivery could not be claimed; cancels it when it should no longer be sent. */
  async function notClaimed(messageId: string, nowUtc: string): Promise<'cancelled' | 'not pending'> {
    const delivery = await findDeliveryToSend(deps.db.kysely, messageId, nowUtc);
    // Already delivered, dead, cancelled or deleted: a duplicate job or a stale one; nothing to do.
    if (!delivery || delivery.status !== 'pending') return 'not pending';
    if (delivery.destination_enabled !== 1 || !delivery.post_visible) {
      const why = delivery.destination_enabled !== 1 ? 'the destination is disabled' : 'the post is no longer visible';
      await finishDelivery(deps.db.kysely, delivery.id, 'cancelled', nowUtc, why);
      ended.cancelled();
      return 'cancelled';
    }
    // Sendable now, but not at the claim: it changed in between (a replay, a re-enable). BullMQ
    // retries the job, which claims it then.
    throw new Error(`webhook delivery ${messageId} changed while being claimed`);
  }

  /**
   * One attempt at one message: claim it (with its attempt's log entry), send it, record the
   * answer. `failedAttempts`: the attempts of its job so far, this one included. Throws only for
   * what is not the receiver's doing (a bug, the database): the job is retried then.
   */
  async function attemptMessage(messageId: string, failedAttempts: number): Promise<MessageOutcome> {
    const started = now();
    const startedUtc = started.toISOString();
    const claimed = await claim(messageId);
    if (claimed === undefined) return { outcome: await notClaimed(messageId, startedUtc) };
    if (!claimed.claimed) {
      if (!(claimed.error instanceof UnsignableDelivery)) throw claimed.error;
      const why = `cannot sign: ${claimed.error.cause.message}`;
      deps.logger.error(
        { destinationId: claimed.error.destinationId, deliveryId: messageId, err: claimed.error.cause },
        'webhook delivery failed: the destination secret cannot be decrypted; check WEBHOOK_SECRETS_KEY',
      );
      await finishDelivery(deps.db.kysely, messageId, 'failed', startedUtc, why);
      outcomes?.inc({ outcome: 'unsignable' });
      return { outcome: 'failed', why: `webhook delivery ${messageId}: ${why}` };
    }
    const { attemptId, delivery, prepared: secrets } = claimed;

    const timestamp = Math.floor(started.getTime() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | undefined;
    let durationMs: number;
    let permanent = false;
    try {
      const response = await outboundRequest({
        url: delivery.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...webhookHeaders(secrets, delivery.id, timestamp, delivery.body),
        },
        body: delivery.body,
        allowPrivateNetworks: deps.allowPrivateNetworks,
        maxRedirects: 0,
        // Only the status counts: a receiver's 2xx with a large or slow body is still delivered.
        discardBody: true,
        timeoutMs: deps.timeoutMs,
      });
      statusCode = response.status;
      durationMs = response.durationMs;
      if (deliveryVerdictOf(response.status) !== 'delivered') {
        error = `the receiver answered ${response.status}`;
        retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
      }
    } catch (caught) {
      durationMs = now().getTime() - started.getTime();
      if (caught instanceof OutboundRequestError) {
        error = `${caught.code}: ${caught.message}`;
        // The URL was checked at creation; a host that now resolves to a private address stays
        // refused however often we try (replay after fixing DNS).
        permanent = caught.code === 'BLOCKED_ADDRESS' || caught.code === 'INVALID_URL';
      } else {
        // Not the receiver's doing (a bug): let BullMQ retry. The attempt keeps no outcome: whether
        // the request left is not known.
        throw caught;
      }
    }
    const finishedUtc = now().toISOString();
    const attempt = {
      attemptId,
      deliveryId: delivery.id,
      finishedAt: finishedUtc,
      statusCode,
      durationMs,
      error,
    };
    durations?.observe(durationMs / 1000);
    const verdict = statusCode === null ? 'retry' : deliveryVerdictOf(statusCode);
    outcomes?.inc({ outcome: verdict });
    if (verdict === 'delivered') {
      await record({ ...attempt, settles: 'delivered' });
      ended.delivered();
      return { outcome: 'delivered' };
    }
    if (verdict === 'gone') {
      await record(attempt);
      await disableGoneDestination(deps.db.kysely, delivery.destination_id, finishedUtc);
      deps.logger.warn({ destinationId: delivery.destination_id }, 'webhook destination answered 410 Gone: disabled');
      ended.gone();
      return { outcome: 'gone' };
    }
    if (permanent || webhookRetryDelayMs(failedAttempts, schedule) === undefined) {
      await record({ ...attempt, settles: 'failed' });
      ended.failed();
      return { outcome: 'failed', why: `webhook delivery ${delivery.id} failed for good: ${error}` };
    }
    await record(attempt);
    return { outcome: 'retry', error: error ?? 'failed', retryAfterMs };
  }

  /** A one-message job (a replay, or one queued before batches): what it did, or why it is retried. */
  async function deliverOne(job: Job, messageId: string): Promise<string> {
    const result = await inFlight(() => attemptMessage(messageId, job.attemptsMade + 1));
    if (result.outcome === 'retry') throw new WebhookAttemptFailed(result.error, result.retryAfterMs);
    if (result.outcome === 'failed') throw new UnrecoverableError(result.why);
    return result.outcome;
  }

  /**
   * A job with the messages of one post for one destination, sent at once (within `inFlight`).
   * Completes when none is left to retry; otherwise keeps only those to retry and is retried.
   */
  async function deliverBatch(job: Job, messageIds: string[]): Promise<Record<string, string>> {
    let mine = messageIds;
    if (job.attemptsMade > 0) {
      // A message replayed meanwhile (a dead letter of an earlier attempt, or one a 410 cancelled)
      // has its own job: that one sends it, never both at once.
      const ownJob = await messagesWithTheirOwnJob(queue, mine);
      mine = mine.filter((id) => !ownJob.has(id));
    }
    const failedAttempts = job.attemptsMade + 1;
    const settled = await Promise.allSettled(mine.map((id) => inFlight(() => attemptMessage(id, failedAttempts))));
    const results: Record<string, string> = {};
    const again: string[] = [];
    const errors: string[] = [];
    const dead: string[] = [];
    let retryAfterMs: number | undefined;
    settled.forEach((result, i) => {
      const id = mine[i]!;
      if (result.status === 'rejected') {
        // Not the receiver's doing (a bug, the database): retried on the schedule, as a one-message job is.
        deps.logger.warn({ deliveryId: id, err: result.reason as unknown }, 'webhook delivery attempt failed');
        again.push(id);
        errors.push(`${id}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
        return;
      }
      const outcome = result.value;
      results[id] = outcome.outcome;
      if (outcome.outcome === 'retry') {
        again.push(id);
        errors.push(`${id}: ${outcome.error}`);
        // One endpoint answered them all: the retry waits for the longest wait it asked for.
        if (outcome.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.retryAfterMs);
      } else if (outcome.outcome === 'failed') {
        dead.push(outcome.why);
      }
    });
    if (again.length > 0) {
      // The retry takes only these: the others are settled (their rows say so) or have a job of their own.
      if (again.length < messageIds.length) await job.updateData({ messageIds: again });
      throw new WebhookAttemptFailed(
        `${again.length} of ${mine.length} messages to retry: ${errors.join('; ')}`,
        retryAfterMs,
      );
    }
    if (dead.length > 0) throw new UnrecoverableError(dead.join('; '));
    return results;
  }

  async function deliver(job: Job): Promise<string | Record<string, string>> {
    const parsed = anyWebhookDeliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid webhook delivery job: ${parsed.error.message}`);
    return 'messageId' in parsed.data
      ? deliverOne(job, parsed.data.messageId)
      : deliverBatch(job, parsed.data.messageIds);
  }

  const worker = new Worker(WEBHOOK_DELIVERIES_QUEUE, deliver, {
    connection: deps.connection,
    prefix: deps.prefix,
    // As many jobs as messages in flight: a job waiting for slots holds none.
    concurrency,
    // A killed worker's jobs go back to the queue within ~20 s rather than BullMQ's default ~60 s
    // (the lock is renewed while a job runs, so a long attempt keeps it).
    lockDuration: 15_000,
    stalledInterval: 5_000,
    settings: {
      backoffStrategy: (attemptsMade, type, err) => {
        if (type !== WEBHOOK_BACKOFF_TYPE) return 0;
        const retryAfterMs = err instanceof WebhookAttemptFailed ? err.retryAfterMs : undefined;
        return webhookRetryDelayMs(attemptsMade, schedule, retryAfterMs, deps.maxRetryAfterMs) ?? -1;
      },
    },
  });
  worker.on('error', (error) => deps.logger.warn({ err: error }, 'webhook delivery worker error'));
  worker.on('closed', () => {
    queue.close().catch(() => undefined);
  });
  worker.on('failed', (job, error) =>
    deps.logger.debug({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'webhook attempt failed'),
  );
  return worker;
}
