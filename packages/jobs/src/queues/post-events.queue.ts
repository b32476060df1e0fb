import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';

/** The queue the outbox relay fills; one job per domain event, its name the event type. */
export const POST_EVENTS_QUEUE = 'post-events';

export const POST_EVENT_TYPES = [
  'post.created',
  'post.published',
  'post.updated',
  'post.unpublished',
  'post.deleted',
] as const;
export type PostEventType = (typeof POST_EVENT_TYPES)[number];

/**
 * What consumers need to know about a post at one moment, without reading the database:
 * enough to tell which feeds, digests and share payloads an event touches.
 */
export const postSnapshotSchema = z.object({
  id: z.string(),
  slug: z.string(),
  status: z.enum(['draft', 'published']),
  published_at: z.string().nullable(),
  author: z.string(),
  category: z.string().nullable(),
  tags: z.array(z.string()),
});
export type PostSnapshot = z.infer<typeof postSnapshotSchema>;

/**
 * `before` is null for a new post, `after` is null for a deleted one. A consumer that only cares
 * about the final state reads the post by id; one that invalidates caches uses both.
 */
export const postEventSchema = z.object({
  eventId: z.string(),
  type: z.enum(POST_EVENT_TYPES),
  postId: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  before: postSnapshotSchema.nullable(),
  after: postSnapshotSchema.nullable(),
  /** The id of the HTTP request that made the change (X-Request-Id), so its effects can be traced in the worker's logs. */
  requestId: z.string().max(64).optional(),
});
export type PostEvent = z.infer<typeof postEventSchema>;

/** The job id of an event: BullMQ ignores a second add with the same id, so a relay retrying after a crash adds nothing twice. */
export function postEventJobId(eventId: string): string {
  return `event-${eventId}`;
}

/**
 * The queue the outbox relay fills. Events are retried with backoff (a handler may find the
 * database or Redis away for a while); kept a week after completion so that a relay that moves an
 * event twice (a lease ran out) adds nothing: the job id is still known.
 */
export function openPostEventsQueue(connection: Redis, prefix: string): Queue {
  return openQueue(POST_EVENTS_QUEUE, connection, prefix, {
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
}
