import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database, Db, Kysely } from '@careerfeed/db';
import { POST_GOES_LIVE_JOB, POST_GOES_LIVE_QUEUE, type PostSnapshot, postGoesLiveJobId, postGoesLiveJobSchema } from '@careerfeed/jobs';
import { scheduleActionOf, wentLiveEvent } from '@careerfeed/posts';
import type { PostEventHandler } from '../events/post-events.worker';

/**
 * The post-event handler that keeps each scheduled post's go-live job in step with its events:
 * removes the job of a time that no longer applies, adds one for a future time.
 */
export function createGoLiveScheduler(queue: Queue, now: () => Date = () => new Date()): PostEventHandler {
  return async (event) => {
    const action = scheduleActionOf(event, now());
    // A job being processed right now is not removed (BullMQ refuses); it re-reads the post and
    // finds its time gone.
    if (action.remove) await queue.remove(action.remove);
    if (action.add) await addGoLiveJob(queue, action.add.data, action.add.delayMs);
  };
}

function addGoLiveJob(
  queue: Queue,
  data: { postId: string; publishedAtUtc: string },
  delayMs: number,
): Promise<unknown> {
  return queue.add(POST_GOES_LIVE_JOB, data, {
    jobId: postGoesLiveJobId(data.postId, Date.parse(data.publishedAtUtc)),
    delay: delayMs,
    attempts: 8,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

/**
 * At worker start: a go-live job for every post scheduled for later. Redis without persistence
 * (or a flushed one) loses delayed jobs; the database still knows the schedule, and the job id
 * makes adding one that exists a no-op. Streamed in pages, as a blog may schedule many posts.
 */
export async function restoreGoLiveJobs(db: Kysely<Database>, queue: Queue, now: Date): Promise<number> {
  const nowUtc = now.toISOString();
  let restored = 0;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('posts')
      .select(['id', 'published_at_utc'])
      .where('status', '=', 'published')
      .where('published_at_utc', '>', nowUtc)
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute();
    for (const row of rows) {
      const publishedAtUtc = row.published_at_utc!;
      await addGoLiveJob(
        queue,
        { postId: row.id, publishedAtUtc },
        Math.max(0, Date.parse(publishedAtUtc) - now.getTime()),
      );
    }
    restored += rows.length;
    if (rows.length < 500) return restored;
    after = rows[rows.length - 1]!.id;
  }
}

/** The post as a post-event snapshot, with its UTC publication time; undefined when it is gone. */
export async function findPostSnapshot(
  db: Kysely<Database>,
  id: string,
): Promise<{ snapshot: PostSnapshot; publishedAtUtc: string | null } | undefined> {
  const row = await db
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select([
      'posts.id',
      'posts.slug',
      'posts.status',
      'posts.published_at',
      'posts.published_at_utc',
      'posts.category',
      'authors.slug as author',
    ])
    .where('posts.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const tags = await db
    .selectFrom('post_tags')
    .select('tag_slug')
    .where('post_id', '=', id)
    .orderBy('position')
    .execute();
  return {
    snapshot: {
      id: row.id,
      slug: row.slug,
      status: row.status,
      published_at: row.published_at,
      author: row.author,
      category: row.category,
      tags: tags.map((t) => t.tag_slug),
    },
    publishedAtUtc: row.published_at_utc,
  };
}

export interface PostGoesLiveWorkerDeps {
  connection: Redis;
  prefix: string;
  db: Db;
  logger: Logger;
  /** The handlers a real `post.published` event runs (related lists, feed invalidations, instant digests). */
  handlers: PostEventHandler[];
  now?: () => Date;
  concurrency?: number;
}

/**
 * Runs go-live jobs. Each re-reads its post and does nothing ("moot") unless the post is still
 * published with exactly the job's time, so a job left behind by a reschedule, an unpublish or
 * events handled out of order is harmless. A job that fires before this process's clock reaches
 * the time (clocks of hosts differ a little) goes back to the delayed set until then.
 */
export function createPostGoesLiveWorker(deps: PostGoesLiveWorkerDeps): Worker {
  const now = deps.now ?? (() => new Date());
  const worker = new Worker(
    POST_GOES_LIVE_QUEUE,
    async (job: Job, token?: string) => {
      const parsed = postGoesLiveJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid go-live job: ${parsed.error.message}`);
      const { postId, publishedAtUtc } = parsed.data;
      const post = await findPostSnapshot(deps.db.kysely, postId);
      if (!post || post.snapshot.status !== 'published' || post.publishedAtUtc !== publishedAtUtc) return 'moot';
      const at = now();
      const dueMs = Date.parse(publishedAtUtc);
      if (at.getTime() < dueMs) {
        await job.moveToDelayed(Date.now() + (dueMs - at.getTime()), token);
        throw new DelayedError();
      }
      const event = wentLiveEvent(post.snapshot, at);
      for (const handle of deps.handlers) await handle(event);
      deps.logger.info({ postId, publishedAtUtc }, 'scheduled post went live');
      return 'live';
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4 },
  );
  worker.on('error', (error) => deps.logger.warn({ err: error }, 'post-goes-live worker error'));
  worker.on('failed', (job, error) => deps.logger.warn({ jobId: job?.id, err: error }, 'go-live job failed'));
  return worker;
}
