import type { Redis } from 'ioredis';

/**
 * What is wrong, for BullMQ, with how a Redis server is configured: an eviction policy other than
 * `noeviction` (Redis would drop job keys under memory pressure: lost jobs), and no persistence
 * (a restart empties the queues; the database-backed restores cover posts, go-lives and webhook
 * deliveries, but not digest jobs in flight). Empty when all is well or when the server refuses
 * CONFIG (managed services often do): then nothing can be said.
 */
export async function redisSettingsProblems(redis: Redis): Promise<string[]> {
  let settings: Record<string, string>;
  try {
    const pairs = [
      ...((await redis.config('GET', 'maxmemory-policy')) as string[]),
      ...((await redis.config('GET', 'appendonly')) as string[]),
      ...((await redis.config('GET', 'save')) as string[]),
    ];
    settings = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) settings[pairs[i]!] = pairs[i + 1]!;
  } catch {
    return [];
  }
  const problems: string[] = [];
  const policy = settings['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') {
    problems.push(`maxmemory-policy is ${policy}; BullMQ needs noeviction (evicted job keys are lost jobs)`);
  }
  if (settings.appendonly === 'no' && !settings.save) {
    problems.push('Redis keeps nothing on disk (appendonly no, no save points); a restart empties the queues');
  }
  return problems;
}
