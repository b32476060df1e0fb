import { pino } from 'pino';
import { RedisErrors } from '@careerfeed/jobs';

/**
 * The error sink for a test's Redis connections: a test process has no readiness endpoint to feed,
 * so errors are only logged (at warn, shown when LOG_LEVEL asks for them). Apart from
 * redis-server.ts, which jest's global set-up loads before any workspace package is built.
 */
export function testRedisErrors(): RedisErrors {
  return new RedisErrors(pino({ level: process.env.LOG_LEVEL ?? 'silent' }));
}
