import type { Redis } from 'ioredis';
import type { Mailer } from './mailer';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * At most `perSecond` mails a second through this mailer, across every process that wraps one
 * with the same key: each send first takes a slot of the current second, counted in Redis, and
 * waits for the next second when there is none left.
 *
 * A digest job carries a page of digests, so BullMQ's limiter (which counts jobs) cannot hold a
 * mail rate for digests any more; this counts mails, right before each leaves, so digests that
 * turn out skipped or already sent take no slot. Seconds are the workers' own clocks, so the cap
 * holds to within their skew.
 */
export function rateLimitedMailer(
  mailer: Mailer,
  options: { connection: Redis; key: string; perSecond: number },
): Mailer {
  if (options.perSecond <= 0) return mailer;
  async function takeSlot(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const key = `${options.key}:${second}`;
      const replies = await options.connection.multi().incr(key).pexpire(key, 5_000).exec();
      const [error, count] = replies?.[0] ?? [new Error('the mail rate counter got no reply from Redis')];
      // An error fails this send as a transient one (the job is retried), rather than waiting on.
      if (error) throw error;
      const taken = Number(count);
      if (taken <= options.perSecond) return;
      await sleep((second + 1) * 1000 - now);
    }
  }
  return {
    async send(message) {
      await takeSlot();
      return mailer.send(message);
    },
    close: () => mailer.close(),
  };
}
