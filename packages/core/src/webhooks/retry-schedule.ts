/**
 * When to try a webhook delivery again. The default is the Standard Webhooks schedule: retries
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failure, about 28 hours in all.
 */
export const STANDARD_WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** A receiver's `Retry-After` is honoured up to this: longer would outlive the whole schedule. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * The delay before the next attempt after `failedAttempts` failures (1 after the first), or
 * undefined when the schedule is exhausted and the delivery is dead. A `Retry-After` (already in
 * ms, see `parseRetryAfter`) can lengthen the wait, never shorten it: the schedule is also our own
 * rate limit, and a receiver that asks for less than it may get the scheduled wait.
 */
export function webhookRetryDelayMs(
  failedAttempts: number,
  schedule: readonly number[] = STANDARD_WEBHOOK_RETRY_SCHEDULE_MS,
  retryAfterMs?: number,
  maxRetryAfterMs = MAX_RETRY_AFTER_MS,
): number | undefined {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) return undefined;
  const scheduled = schedule[failedAttempts - 1];
  if (scheduled === undefined) return undefined;
  if (retryAfterMs === undefined) return scheduled;
  return Math.max(scheduled, Math.min(retryAfterMs, maxRetryAfterMs));
}

export type DeliveryVerdict = 'delivered' | 'gone' | 'retry';

/**
 * What a receiver's status means for the delivery. Only 2xx is success; 410 Gone is the spec's
 * "stop sending to this endpoint"; everything else, 3xx included (redirects are not followed,
 * since a redirect could point anywhere after we checked the URL), is a failure to retry.
 */
export function deliveryVerdictOf(status: number): DeliveryVerdict {
  if (status >= 200 && status <= 299) return 'delivered';
  if (status === 410) return 'gone';
  return 'retry';
}
