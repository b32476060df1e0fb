import { z } from 'zod';

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

/** Digest deliveries (one job per subscriber and period) and the scheduler's own ticks. */
export const DIGESTS_QUEUE = 'digests';
