import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Limits on asking for a sign-in link, in Redis so every ingest instance counts together:
 * - per client address: 20 requests per 10 minutes (a script trying addresses is slowed down);
 * - per email address: 5 per hour (nobody can flood a colleague's inbox from many IPs).
 * Email addresses are hashed in the keys, never stored. Without Redis, an in-memory limiter stands in.
 */
export interface SignInRateRule {
  points: number;
  durationSeconds: number;
}

export const DEFAULT_SIGN_IN_LIMITS = {
  perClient: { points: 20, durationSeconds: 600 },
  perAddress: { points: 5, durationSeconds: 3600 },
} as const satisfies Record<string, SignInRateRule>;

/** Allowed, or refused for this many seconds; `unavailable` when Redis cannot answer. */
export type RateDecision =
  { allowed: true } | { allowed: false; retryAfterSeconds: number } | { unavailable: true; allowed: false };

export interface SignInRateLimits {
  consumeClient(ip: string): Promise<RateDecision>;
  consumeAddress(emailKey: string): Promise<RateDecision>;
}

async function consume(limiter: RateLimiterRedis, key: string): Promise<RateDecision> {
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    }
    return { allowed: false, unavailable: true };
  }
}

export function createSignInRateLimits(
  redis: Redis,
  prefix: string,
  rules: { perClient: SignInRateRule; perAddress: SignInRateRule } = DEFAULT_SIGN_IN_LIMITS,
): SignInRateLimits {
  const make = (name: string, rule: SignInRateRule) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:rate-limit:${name}`,
      points: rule.points,
      duration: rule.durationSeconds,
      rejectIfRedisNotReady: true,
      // While Redis is away (or still connecting), each instance counts on its own: staff can
      // still sign in, and the limits still hold per instance.
      insuranceLimiter: new RateLimiterMemory({ points: rule.points, duration: rule.durationSeconds }),
    });
  const perClient = make('console-sign-in-client', rules.perClient);
  const perAddress = make('console-sign-in-address', rules.perAddress);
  return {
    consumeClient: (ip) => consume(perClient, ip),
    consumeAddress: (emailKey) => consume(perAddress, createHash('sha256').update(emailKey).digest('hex')),
  };
}
