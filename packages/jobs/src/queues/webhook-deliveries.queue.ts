import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/**
 * Share webhooks. A job carries the messages of one post for one destination (its network
 * payloads; `webhookDeliveryBatchJobId`), or one message (a replay, or a job queued before
 * batches: its id the message id). Either way each message keeps its own delivery row.
 */
export const WEBHOOK_DELIVERIES_QUEUE = 'webhook-deliveries';
/** The name of a one-message job (replays; the only shape before batches). */
export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';
/** The name of a job with the messages of one post for one destination. */
export const WEBHOOK_DELIVERY_BATCH_JOB = 'webhook-delivery-batch';

const messageId = z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/);
/**
 * At most one message per network, and there are six networks; the bound leaves room for more
 * while keeping a job's requests few (they are sent at once, see the delivery worker).
 */
export const MAX_MESSAGES_PER_DELIVERY_JOB = 16;

/** A one-message job: only the message id; the body, destination and state live in the database. */
export const webhookDeliveryJobSchema = z.object({ messageId });
export type WebhookDeliveryJob = z.infer<typeof webhookDeliveryJobSchema>;
/** A job of several messages, all of one post for one destination. */
export const webhookDeliveryBatchJobSchema = z.object({
  messageIds: z.array(messageId).min(1).max(MAX_MESSAGES_PER_DELIVERY_JOB),
});
export type WebhookDeliveryBatchJob = z.infer<typeof webhookDeliveryBatchJobSchema>;
/** What the delivery worker accepts: either shape (jobs queued before batches are one-message jobs). */
export const anyWebhookDeliveryJobSchema = z.union([webhookDeliveryJobSchema, webhookDeliveryBatchJobSchema]);

/**
 * The id of the job with the messages of one post for one destination: deterministic, so a
 * redelivered post event or a restore adds nothing while that job exists. Not a message id (`shb_`,
 * not `msg_`), so a replay's one-message job never collides with it.
 */
export function webhookDeliveryBatchJobId(destinationId: string, postId: string): string {
  const digest = createHash('sha256').update(`share-batch\n${destinationId}\n${postId}`).digest('base64url');
  return `shb_${digest.slice(0, 32)}`;
}

/** The backoff type the delivery worker's own strategy answers to (the retry schedule). */
export const WEBHOOK_BACKOFF_TYPE = 'webhook-schedule';
/**
 * An upper bound only: the worker decides when a delivery is exhausted from its retry schedule
 * (1 + 7 retries by default) and stops it itself; this just has to be at least that.
 */
const WEBHOOK_MAX_ATTEMPTS = 50;

/**
 * Options of a delivery job; the same for the first enqueue and for a replay. The job id is the
 * message id (one-message job) or `webhookDeliveryBatchJobId`, so BullMQ ignores a second add while
 * the job exists; after that the delivery rows' status stops a second send.
 */
export function webhookDeliveryJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: WEBHOOK_MAX_ATTEMPTS,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** States in which a job will still run (or is running). */
const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/**
 * The messages among `messageIds` that have a one-message job of their own that will still run:
 * one queued before batches (a deployed Redis keeps them across an upgrade), or a replay's. A
 * batch job leaves those to it, so no message is ever sent by two jobs at once. One round trip per
 * id, concurrent (ioredis pipelines them): called at restore, on a redelivered event, on a retry.
 */
export async function messagesWithTheirOwnJob(
  queue: Pick<Queue, 'getJobState'>,
  messageIds: readonly string[],
): Promise<Set<string>> {
  const states = await Promise.all(messageIds.map((id) => queue.getJobState(id)));
  return new Set(messageIds.filter((_, i) => LIVE_JOB_STATES.has(states[i]!)));
}

export function openWebhookDeliveriesQueue(connection: Redis, prefix: string): Queue {
  return openQueue(WEBHOOK_DELIVERIES_QUEUE, connection, prefix);
}
