import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';
import { addMailJobWithin } from './mail-job';

/**
 * Queues of the subscription side. The feed service only produces (confirmation mails); the
 * worker consumes both and runs the digest scheduler.
 */

/** Confirmation mails, enqueued by the feed service when someone subscribes. */
export const SUBSCRIPTION_MAILS_QUEUE = 'subscription-mails';

export const confirmationMailJobSchema = z.object({
  /**
   * `confirm`: a new, pending or unsubscribed address gets a confirmation link.
   * `already-subscribed`: an active address gets its preferences link instead; the person asking
   * sees the same answer either way, so the form cannot tell who is subscribed.
   */
  kind: z.enum(['confirm', 'already-subscribed']),
  subscriberId: z.string(),
  /**
   * For `confirm`, the subscriber's confirmation nonce when the job was enqueued (a newer request
   * supersedes it); for `already-subscribed`, a fresh random id of the request.
   */
  nonce: z.string(),
});
export type ConfirmationMailJob = z.infer<typeof confirmationMailJobSchema>;

/** One confirmation mail per subscription attempt, however often the request is retried. */
export function confirmationMailJobId(job: ConfirmationMailJob): string {
  return `${job.kind}-${job.subscriberId}-${job.nonce}`;
}

/** How the feed service hands confirmation mails to the worker. */
export interface ConfirmationMailQueue {
  /** Resolves once Redis has the job; rejects when it cannot say so within `timeoutMs`. */
  enqueue(job: ConfirmationMailJob): Promise<void>;
  close(): Promise<void>;
}

/**
 * A producer on a `producer` connection (fails fast when Redis is down). A request must not hang
 * on Redis, so an add that has not been acknowledged in time is reported as a failure; the job id
 * makes a late arrival of the same add harmless.
 */
export function createConfirmationMailQueue(
  connection: Redis,
  prefix: string,
  options: { timeoutMs?: number } = {},
): ConfirmationMailQueue {
  const queue = openSubscriptionMailsQueue(connection, prefix);
  const timeoutMs = options.timeoutMs ?? 3000;
  return {
    enqueue: async (job) => {
      const data = confirmationMailJobSchema.parse(job);
      await addMailJobWithin(queue, data.kind, data, confirmationMailJobId(data), timeoutMs);
    },
    close: () => queue.close(),
  };
}

export function openSubscriptionMailsQueue(connection: Redis, prefix: string): Queue {
  return openQueue(SUBSCRIPTION_MAILS_QUEUE, connection, prefix);
}
