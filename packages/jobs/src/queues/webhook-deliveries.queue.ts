import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/** Share webhooks: one job per message (destination × post × network), its id the message id. */
export const WEBHOOK_DELIVERIES_QUEUE = 'webhook-deliveries';
/** The job name on WEBHOOK_DELIVERIES_QUEUE. */
export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';

/** The job carries only the message id: the body, destination and state live in the database. */
export const webhookDeliveryJobSchema = z.object({ messageId: z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/) });
export type WebhookDeliveryJob = z.infer<typeof webhookDeliveryJobSchema>;

/** The backoff type the delivery worker's own strategy answers to (the retry schedule). */
export const WEBHOOK_BACKOFF_TYPE = 'webhook-schedule';
/**
 * An upper bound only: the worker decides when a delivery is exhausted from its retry schedule
 * (1 + 7 retries by default) and stops it itself; this just has to be at least that.
 */
const WEBHOOK_MAX_ATTEMPTS = 50;

/**
 * Options of a delivery job; the same for the first enqueue and for a replay. The job id is the
 * message id, so BullMQ ignores a second add while the job exists; after that the delivery row's
 * status stops a second send.
 */
export function webhookDeliveryJobOptions(messageId: string): JobsOptions {
  return {
    jobId: messageId,
    attempts: WEBHOOK_MAX_ATTEMPTS,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function openWebhookDeliveriesQueue(connection: Redis, prefix: string): Queue {
  return openQueue(WEBHOOK_DELIVERIES_QUEUE, connection, prefix);
}
