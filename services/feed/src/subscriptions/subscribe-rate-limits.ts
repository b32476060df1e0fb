import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '@careerfeed/core';

/**
 * Limits on POST /subscribe, kept in Redis so every instance counts together:
 * - per client address: 10 requests per 10 minutes, counted before the body is validated (a
 *   script trying addresses or garbage is slowed down just the same);
 * - per email address: 3 per hour, counted once the address is valid (nobody can flood one inbox
 *   with confirmation mails from many IPs).
 * The keys sit under the deployment's REDIS_PREFIX; email addresses are hashed, never stored.
 */
export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export const DEFAULT_SUBSCRIBE_LIMITS = {
  perClient: { points: 10, durationSeconds: 600 },
  perAddress: { points: 3, durationSeconds: 3600 },
} as const satisfies Record<string, RateLimitRule>;

export interface SubscribeRateLimits {
  /** Counts one request of this client; throws RATE_LIMITED (429) or SERVICE_UNAVAILABLE (503). */
  consumeClient(ip: string): Promise<void>;
  consumeAddress(emailKey: string): Promise<void>;
}

function limiter(redis: Redis, prefix: string, name: string, rule: RateLimitRule): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:rate-limit:${name}`,
    points: rule.points,
    duration: rule.durationSeconds,
    // Answer at once while Redis is away instead of waiting on a reconnecting client.
    rejectIfRedisNotReady: true,
  });
}

export class RateLimitedError extends AppError {
  constructor(override readonly retryAfterSeconds: number) {
    super({
      code: 'RATE_LIMITED',
      status: 429,
      detail: `Too many subscription requests; try again in ${retryAfterSeconds} seconds`,
      retryAfterSeconds,
    });
  }
}

async function consume(rateLimiter: RateLimiterRedis, key: string): Promise<void> {
  try {
    await rateLimiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    throw new AppError({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      detail: 'Subscriptions are unavailable for a moment; please try again shortly',
    });
  }
}

export function createSubscribeRateLimits(
  redis: Redis,
  prefix: string,
  rules: { perClient: RateLimitRule; perAddress: RateLimitRule } = DEFAULT_SUBSCRIBE_LIMITS,
): SubscribeRateLimits {
  const perClient = limiter(redis, prefix, 'subscribe-client', rules.perClient);
  const perAddress = limiter(redis, prefix, 'subscribe-address', rules.perAddress);
  return {
    consumeClient: (ip) => consume(perClient, ip),
    consumeAddress: (emailKey) => consume(perAddress, createHash('sha256').update(emailKey).digest('hex')),
  };
}
