import type { Network, PlannedShareDelivery, ShareDestination } from '@careerfeed/core';
import type { Database, Kysely, Transaction, WebhookDeliveryStatus } from '@careerfeed/db';
import { visiblePostsAt } from '@careerfeed/posts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ShareSourceRow {
  id: string;
  slug: string;
  title: string;
  excerpt: string;
  image: string | null;
  author_links: string;
  tags: string[];
}

/** The post as readers see it now, with what its share payloads are built from; undefined when not visible. */
export async function findVisibleShareSource(
  db: Executor,
  postId: string,
  nowUtc: string,
): Promise<ShareSourceRow | undefined> {
  const row = await db
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select(['posts.id', 'posts.slug', 'posts.title', 'posts.excerpt', 'posts.image', 'authors.links as author_links'])
    .where('posts.id', '=', postId)
    .where(visiblePostsAt(nowUtc))
    .executeTakeFirst();
  if (!row) return undefined;
  const tags = await db
    .selectFrom('post_tags')
    .innerJoin('tags', 'tags.slug', 'post_tags.tag_slug')
    .select('tags.name')
    .where('post_tags.post_id', '=', postId)
    .orderBy('post_tags.position')
    .execute();
  return { ...row, tags: tags.map((t) => t.name) };
}

/** Replaces the post's stored payloads with these (networks no longer enabled lose theirs). */
export async function replaceSharePayloads(
  db: Kysely<Database>,
  postId: string,
  payloads: Partial<Record<Network, unknown>>,
  nowUtc: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('share_payloads')
      .select(['network', 'created_at'])
      .where('post_id', '=', postId)
      .execute();
    const createdAt = new Map(existing.map((r) => [r.network, r.created_at]));
    await tx.deleteFrom('share_payloads').where('post_id', '=', postId).execute();
    const rows = Object.entries(payloads).map(([network, payload]) => ({
      post_id: postId,
      network,
      payload: JSON.stringify(payload),
      created_at: createdAt.get(network) ?? nowUtc,
      updated_at: nowUtc,
    }));
    if (rows.length > 0) await tx.insertInto('share_payloads').values(rows).execute();
  });
}

export async function deleteSharePayloads(db: Executor, postId: string): Promise<void> {
  await db.deleteFrom('share_payloads').where('post_id', '=', postId).execute();
}

export async function findShareDestinations(db: Executor): Promise<ShareDestination[]> {
  const rows = await db.selectFrom('webhook_destinations').select(['id', 'networks', 'enabled']).execute();
  return rows.map((r) => ({ id: r.id, networks: JSON.parse(r.networks) as Network[], enabled: r.enabled === 1 }));
}

/**
 * Creates the delivery rows that do not exist yet (an existing id is the same message: left as it
 * is, whatever its state) and returns the ids of the planned messages still pending.
 */
export async function createDeliveries(
  db: Executor,
  planned: readonly (PlannedShareDelivery & { postId: string; body: string })[],
  nowUtc: string,
): Promise<string[]> {
  if (planned.length === 0) return [];
  await db
    .insertInto('webhook_deliveries')
    .values(
      planned.map((p) => ({
        id: p.messageId,
        destination_id: p.destinationId,
        post_id: p.postId,
        network: p.network,
        status: 'pending' as WebhookDeliveryStatus,
        body: p.body,
        attempts: 0,
        last_error: null,
        created_at: nowUtc,
        updated_at: nowUtc,
        delivered_at: null,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const pending = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where(
      'id',
      'in',
      planned.map((p) => p.messageId),
    )
    .where('status', '=', 'pending')
    .execute();
  return pending.map((r) => r.id);
}

/** Pending delivery ids in id order, a page at a time (`afterId` the last of the previous page). */
export async function findPendingDeliveryIds(
  db: Executor,
  afterId: string | undefined,
  limit: number,
): Promise<string[]> {
  let query = db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending');
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}
