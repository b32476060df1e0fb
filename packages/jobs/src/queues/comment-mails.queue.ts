import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openQueue } from '../redis';
import { addMailJobWithin } from './mail-job';

/**
 * Mails about comments, produced by the feed service (a reader comments) and ingest (staff
 * approve), sent by the worker, so no request ever waits on SMTP.
 */
export const COMMENT_MAILS_QUEUE = 'comment-mails';

export const commentMailJobSchema = z.discriminatedUnion('kind', [
  /** The commenter ticked "notify me of replies": a link to confirm it (double opt-in). */
  z.object({ kind: z.literal('confirm-replies'), commentId: z.string() }),
  /** `commentId` is an approved reply; its parent's author confirmed notifications. */
  z.object({ kind: z.literal('reply'), commentId: z.string() }),
  /** A new comment (held or published): the site's comment notification address is told. */
  z.object({ kind: z.literal('new-comment'), commentId: z.string() }),
]);
export type CommentMailJob = z.infer<typeof commentMailJobSchema>;

/** One mail per comment and kind, however often the request or the approval is repeated. */
export function commentMailJobId(job: CommentMailJob): string {
  return `${job.kind}-${job.commentId}`;
}

export interface CommentMailQueue {
  /** Resolves once Redis has the job; rejects when it cannot say so within `timeoutMs`. */
  enqueue(job: CommentMailJob): Promise<void>;
  close(): Promise<void>;
}

export function openCommentMailsQueue(connection: Redis, prefix: string): Queue {
  return openQueue(COMMENT_MAILS_QUEUE, connection, prefix);
}

/** A producer on a `producer` connection: fails fast when Redis is down, never hangs a request. */
export function createCommentMailQueue(
  connection: Redis,
  prefix: string,
  options: { timeoutMs?: number } = {},
): CommentMailQueue {
  const queue = openCommentMailsQueue(connection, prefix);
  const timeoutMs = options.timeoutMs ?? 3000;
  return {
    enqueue: async (job) => {
      const data = commentMailJobSchema.parse(job);
      await addMailJobWithin(queue, data.kind, data, commentMailJobId(data), timeoutMs);
    },
    close: () => queue.close(),
  };
}
