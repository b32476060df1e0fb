import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import {
  type Network,
  type ShareLimits,
  authorHandlesFromLinks,
  buildSharePayloadsFor,
  planShareDeliveries,
  shareWebhookBody,
} from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import {
  type PostEvent,
  WEBHOOK_DELIVERY_BATCH_JOB,
  messagesWithTheirOwnJob,
  webhookDeliveryBatchJobId,
  webhookDeliveryJobOptions,
} from '@careerfeed/jobs';
import type { BlueskyHandleResolver } from './bluesky-handles';
import { isSharedOn } from './share-moment';
import { postUrl } from '@careerfeed/posts';
import {
  createDeliveries,
  deleteSharePayloads,
  findPendingDeliveryGroups,
  findShareDestinations,
  findVisibleShareSource,
  replaceSharePayloads,
} from './shares.repository';

interface MessageOfPost {
  messageId: string;
  destinationId: string;
  postId: string;
}

/**
 * One job per post and destination with its messages (see webhookDeliveryBatchJobId), leaving out
 * those that have a one-message job of their own (queued before batches, or a replay's): that job
 * sends them, and a message is never in two live jobs.
 */
async function addDeliveryJobs(
  queue: Queue,
  messages: readonly MessageOfPost[],
  mayHaveTheirOwnJob: ReadonlySet<string>,
): Promise<void> {
  const checked = messages.filter((m) => mayHaveTheirOwnJob.has(m.messageId)).map((m) => m.messageId);
  const ownJob = checked.length > 0 ? await messagesWithTheirOwnJob(queue, checked) : new Set<string>();
  const byJob = new Map<string, string[]>();
  for (const m of messages) {
    if (ownJob.has(m.messageId)) continue;
    const jobId = webhookDeliveryBatchJobId(m.destinationId, m.postId);
    const ids = byJob.get(jobId);
    if (ids) ids.push(m.messageId);
    else byJob.set(jobId, [m.messageId]);
  }
  if (byJob.size === 0) return;
  await queue.addBulk(
    [...byJob].map(([jobId, messageIds]) => ({
      name: WEBHOOK_DELIVERY_BATCH_JOB,
      data: { messageIds },
      opts: webhookDeliveryJobOptions(jobId),
    })),
  );
}

/**
 * Puts back a job for every pending delivery, from the database: a Redis that lost its jobs (no
 * persistence, a flush) loses no message. One job per post and destination, as the publisher adds
 * them: a job that still exists keeps its place and schedule (same job id, so the add is ignored);
 * a lost one starts a fresh schedule. A message with a live one-message job of its own (queued
 * before batches, after an upgrade) is left to that job. Run at worker start.
 */
export async function restoreWebhookDeliveryJobs(db: Db, queue: Queue, pageSize = 1000): Promise<number> {
  let restored = 0;
  let after: { destinationId: string; postId: string } | undefined;
  for (;;) {
    const page = await findPendingDeliveryGroups(db.kysely, after, pageSize);
    const messages = page.rows.map((r) => ({ messageId: r.id, destinationId: r.destination_id, postId: r.post_id }));
    if (messages.length > 0) await addDeliveryJobs(queue, messages, new Set(page.rows.map((r) => r.id)));
    restored += messages.length;
    if (!page.more || page.last === undefined) return restored;
    after = page.last;
  }
}

export interface SharePublisherDeps {
  db: Db;
  queue: Queue;
  publicBaseUrl: string;
  /** The networks payloads are built for (SHARE_NETWORKS). */
  networks: readonly Network[];
  limits: ShareLimits;
  /** Posts published longer than this before their event are not delivered (SHARE_MAX_AGE_HOURS). */
  maxAgeMs: number;
  now: () => Date;
  logger?: Logger;
  /**
   * The DID of an author's Bluesky handle, for the mention facet (createBlueskyHandleResolver).
   * Without it, or when it answers nothing, the Bluesky payload has "@handle" as plain text.
   */
  resolveBlueskyHandle?: BlueskyHandleResolver;
}

/**
 * The post-event handler of share payloads. Every event re-reads the post: while readers can see
 * it, its payloads are rebuilt from what it is now (so an edit updates them); when they cannot
 * (draft, scheduled, deleted), it has none. Only the event that makes a fresh post visible
 * (`isSharedOn`) creates webhook messages — one per destination and network, with deterministic
 * ids — so edits, redelivered events and go-live jobs that fire twice never deliver again.
 */
export function createSharePublisher(deps: SharePublisherDeps): (event: PostEvent) => Promise<void> {
  return async (event) => {
    const now = deps.now();
    const nowUtc = now.toISOString();
    const post = await findVisibleShareSource(deps.db.kysely, event.postId, nowUtc);
    if (!post) {
      await deleteSharePayloads(deps.db.kysely, event.postId);
      return;
    }
    const url = postUrl(deps.publicBaseUrl, post.slug);
    const authorHandles = authorHandlesFromLinks(JSON.parse(post.author_links) as Record<string, string>);
    const blueskyDid =
      authorHandles.bluesky && deps.networks.includes('bluesky')
        ? await deps.resolveBlueskyHandle?.(authorHandles.bluesky)
        : undefined;
    const payloads = buildSharePayloadsFor(
      deps.networks,
      {
        title: post.title,
        excerpt: post.excerpt,
        url,
        tags: post.tags,
        authorHandles,
        ...(blueskyDid === undefined ? {} : { blueskyDid }),
        ...(post.image === null ? {} : { image: post.image }),
      },
      deps.limits,
    );
    await replaceSharePayloads(deps.db.kysely, post.id, payloads, nowUtc);
    if (!isSharedOn(event, now, deps.maxAgeMs)) return;

    const plan = planShareDeliveries(
      post.id,
      Object.keys(payloads) as Network[],
      await findShareDestinations(deps.db.kysely),
    );
    const { pending, alreadyPending } = await createDeliveries(
      deps.db.kysely,
      plan.map((p) => ({
        ...p,
        postId: post.id,
        body: shareWebhookBody({
          postId: post.id,
          postUrl: url,
          network: p.network,
          payload: payloads[p.network]!,
          createdAt: now,
        }),
      })),
      nowUtc,
    );
    // Rows first, then jobs: a crash in between leaves pending rows that the redelivered event
    // enqueues (same job ids); a job whose rows are no longer pending does nothing. One job per
    // destination with this post's messages: the queue's cost is paid once for all of them.
    const destinationOf = new Map(plan.map((p) => [p.messageId, p.destinationId]));
    await addDeliveryJobs(
      deps.queue,
      pending.map((messageId) => ({ messageId, destinationId: destinationOf.get(messageId)!, postId: post.id })),
      alreadyPending,
    );
    if (pending.length > 0) deps.logger?.info({ postId: post.id, messages: pending.length }, 'share webhooks queued');
  };
}
