import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/**
 * WebSub publish pings (https://www.w3.org/TR/websub/). When WEBSUB_HUB_URL is set, each change
 * queues one job on this queue with the URLs of the feeds it touched; the worker tells the hub.
 */
export const WEBSUB_PING_QUEUE = 'websub-pings';
/** The job name on WEBSUB_PING_QUEUE. */
export const WEBSUB_PING_JOB = 'websub-ping';

export const websubPingJobSchema = z.object({ urls: z.array(z.url()).min(1) });
export type WebSubPingJob = z.infer<typeof websubPingJobSchema>;

/** `websub-<event id>`: a redelivered event pings once. No ':' (BullMQ's separator). */
export function websubPingJobId(eventId: string): string {
  return `websub-${eventId.replaceAll(':', '_')}`;
}

export function openWebSubPingQueue(connection: Redis, prefix: string): Queue {
  return openQueue(WEBSUB_PING_QUEUE, connection, prefix);
}
