import { z } from 'zod';

/**
 * Queues of the subscription side. The feed service only produces (confirmation mails); the
 * worker consumes both and runs the digest scheduler.
 */

/** Confirmation mails, enqueued by the feed service when someone subscribes. */
export const SUBSCRIPTION_MAILS_QUEUE = 'subscription-mails';

export const confirmationMailJobSchema = z.object({
  subscriberId: z.string(),
  /** The subscriber's confirmation nonce when the job was enqueued: a newer request supersedes it. */
  nonce: z.string(),
});
export type ConfirmationMailJob = z.infer<typeof confirmationMailJobSchema>;

/** One confirmation mail per subscription attempt, however often the request is retried. */
export function confirmationMailJobId(job: ConfirmationMailJob): string {
  return `confirmation-${job.subscriberId}-${job.nonce}`;
}

/** Digest deliveries (one job per subscriber and period) and the scheduler's own ticks. */
export const DIGESTS_QUEUE = 'digests';
