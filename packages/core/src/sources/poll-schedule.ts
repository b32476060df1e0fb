/**
 * When a source is polled next. Success: after its interval. Failure: exponential backoff from the
 * interval (1x, 2x, 4x … of it), capped at a day, so a partner whose site is down for a week is
 * asked about once a day rather than every few minutes; a server's Retry-After (429/503) is
 * honoured when it asks for longer, within the same cap. The next success resets the count.
 */
export const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

export function nextPollAt(input: {
  now: Date;
  intervalMinutes: number;
  /** Consecutive failures including this poll's; 0 after a success. */
  consecutiveFailures: number;
  retryAfterMs?: number | null;
}): Date {
  const interval = input.intervalMinutes * 60_000;
  let delay = interval;
  if (input.consecutiveFailures > 0) {
    const exponent = Math.min(input.consecutiveFailures - 1, 20);
    delay = Math.min(MAX_BACKOFF_MS, interval * 2 ** exponent);
    if (input.retryAfterMs && input.retryAfterMs > delay) delay = Math.min(MAX_BACKOFF_MS, input.retryAfterMs);
  }
  return new Date(input.now.getTime() + delay);
}
