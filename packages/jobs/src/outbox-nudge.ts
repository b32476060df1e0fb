import type { Redis } from 'ioredis';

/**
 * Redis pub/sub channel on which whoever commits outbox events (ingest, the CLI, the worker itself)
 * tells the outbox relays to look now. Only a hint for latency: every relay also polls the table,
 * so a lost nudge delays an event by one poll interval and loses nothing.
 */
export function outboxNudgeChannel(prefix: string): string {
  return `${prefix}:outbox-nudge`;
}

/** Publishes a nudge; never throws (Redis may be down: the relays' polling covers it). */
export function nudgeOutboxRelays(redis: Redis, prefix: string): void {
  redis.publish(outboxNudgeChannel(prefix), '1').catch(() => {
    // Not an error worth a log line per post: the relays poll the table anyway, and the
    // connection's own error listener reports Redis being down.
  });
}
