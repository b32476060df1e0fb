import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '@careerfeed/core';

/**
 * Limits on POST /posts/{slug}/comments, in Redis so every feed instance counts together (the
 * same mechanism as the subscription form's):
 * - per client address: 10 comments per 10 minutes, counted before the body is read (garbage and
 *   valid comments cost the same);
 * - per email address: 5 per 10 minutes, counted once the body is valid (a flood under one name
 *   from many addresses).
 * Email addresses are hashed in the keys, never stored in Redis.
 */
export interface CommentRateRule {
  points: number;
  durationSeconds: number;
}

export interface CommentRateRules {
  perClient: CommentRateRule;
  perAddress: CommentRateRule;
}

export const DEFAULT_COMMENT_LIMITS: CommentRateRules = {
  perClient: { points: 10, durationSeconds: 600 },
  perAddress: { points: 5, durationSeconds: 600 },
};

export interface CommentRateLimits {
  consumeClient(ip: string): Promise<void>;
  consumeAddress(emailKey: string): Promise<void>;
}

export class CommentRateLimitedError extends AppError {
  constructor(override readonly retryAfterSeconds: number) {
    super({
      code: 'RATE_LIMITED',
      status: 429,
      detail: `Too many comments in a short time; try again in ${retryAfterSeconds} seconds`,
      retryAfterSeconds,
    });
  }
}

function limiter(redis: Redis, prefix: string, name: string, rule: CommentRateRule): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:rate-limit:${name}`,
    points: rule.points,
    duration: rule.durationSeconds,
    rejectIfRedisNotReady: true,
  });
}

async function consume(rateLimiter: RateLimiterRedis, key: string): Promise<void> {
  try {
    await rateLimiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      throw new CommentRateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    }
    throw new AppError({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      detail: 'Comments are unavailable for a moment; please try again shortly',
      retryAfterSeconds: 30,
    });
  }
}

export function createCommentRateLimits(
  redis: Redis,
  prefix: string,
  rules: CommentRateRules = DEFAULT_COMMENT_LIMITS,
): CommentRateLimits {
  const perClient = limiter(redis, prefix, 'comment-client', rules.perClient);
  const perAddress = limiter(redis, prefix, 'comment-address', rules.perAddress);
  return {
    consumeClient: (ip) => consume(perClient, ip),
    consumeAddress: (emailKey) => consume(perAddress, createHash('sha256').update(emailKey).digest('hex')),
  };
}
