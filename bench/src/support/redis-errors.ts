import { pino } from 'pino';
import { RedisErrors } from '@careerfeed/jobs';

/** Redis errors during a bench go to stderr as JSON lines, apart from the figures on stdout. */
export const benchRedisErrors = new RedisErrors(pino({ level: 'warn' }, pino.destination(2)));
