import { Queue, type QueueOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** The part of a pino logger the connection needs; any structured logger fits. */
export interface ErrorLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Errors of Redis connections, queues and workers, as they happen: each source's first error is
 * logged, then every 30th while it lasts, and its recovery once. Never swallowed: the log has them,
 * and `/readyz` reports the sources that failed recently (`recentFailures`).
 */
export class RedisErrors {
  private readonly failing = new Map<string, { count: number; lastAt: number; message: string }>();

  constructor(
    private readonly logger: ErrorLogger,
    private readonly now: () => number = Date.now,
  ) {}

  report(source: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const state = this.failing.get(source) ?? { count: 0, lastAt: 0, message };
    state.count += 1;
    state.lastAt = this.now();
    state.message = message;
    this.failing.set(source, state);
    if (state.count === 1 || state.count % 30 === 0) {
      this.logger.warn({ source, err: error, failures: state.count }, `${source}: Redis error`);
    }
  }

  recovered(source: string): void {
    const state = this.failing.get(source);
    if (!state) return;
    this.failing.delete(source);
    this.logger.info({ source, failures: state.count }, `${source}: Redis reachable again`);
  }

  /** Sources with an error in the last `windowMs`, with the last message of each. */
  recentFailures(windowMs = 5_000): Record<string, string> {
    const since = this.now() - windowMs;
    const out: Record<string, string> = {};
    for (const [source, state] of this.failing) if (state.lastAt >= since) out[source] = state.message;
    return out;
  }

  /** Registers a listener for the `error` events of a connection, queue or worker. */
  watch(source: string, emitter: { on(event: 'error', listener: (error: Error) => void): unknown }): void {
    emitter.on('error', (error) => this.report(source, error));
  }
}

// The connection's error sink, found again by `openQueue` (BullMQ re-emits connection errors on
// every queue and worker, and an 'error' event without a listener would end the process).
const errorsOf = new WeakMap<Redis, RedisErrors>();

/** The error sink of a connection made by `createRedisConnection`. */
export function redisErrorsOf(connection: Redis): RedisErrors {
  const errors = errorsOf.get(connection);
  if (!errors) throw new Error('this Redis connection was not made by createRedisConnection');
  return errors;
}

/**
 * A Redis connection for BullMQ. Producers fail fast when Redis is down (nothing on a request path
 * waits for it); workers wait and retry for ever (BullMQ requires `maxRetriesPerRequest: null`).
 * Its errors go to `errors` (one per process, shared by its connections).
 */
export function createRedisConnection(
  url: string,
  role: 'producer' | 'worker',
  errors: RedisErrors,
  extra: RedisOptions = {},
): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, ...extra }
      : { maxRetriesPerRequest: null, ...extra };
  const redis = new Redis(url, options);
  const source = `redis-${role}`;
  errors.watch(source, redis);
  redis.on('ready', () => errors.recovered(source));
  errorsOf.set(redis, errors);
  return redis;
}

/** Opens a queue on a connection from `createRedisConnection`; its errors go to that connection's sink. */
export function openQueue(name: string, connection: Redis, prefix: string, options: Partial<QueueOptions> = {}): Queue {
  const queue = new Queue(name, { ...options, connection, prefix });
  redisErrorsOf(connection).watch(`queue ${name}`, queue);
  return queue;
}
