import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { PostEvent } from './post-events';
import { becomesVisible, publicationTimeOf } from './scheduled-publishing';

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

/**
 * Whether an event is the moment to share its post: the post becomes visible (the rule instant
 * digests run on), and it was published no more than `maxAgeMs` before the event happened. The
 * second part keeps an import of old posts (published_at years back, made visible today) from
 * sending one webhook per post per network: they are not news. A go-live event and a publish
 * "now" are both at their own publication time; an event handled late (Redis was down) still
 * counts, because the age is measured at the event, not at handling.
 */
export function isSharedOn(event: PostEvent, now: Date, maxAgeMs: number): boolean {
  if (!becomesVisible(event, now)) return false;
  const publishedAt = publicationTimeOf(event.after)!;
  return Date.parse(event.occurredAt) - publishedAt <= maxAgeMs;
}
