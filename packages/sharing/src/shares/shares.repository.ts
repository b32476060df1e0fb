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

/** The planned messages still pending after `createDeliveries`. */
export interface PendingDeliveries {
  /** Their ids, in the plan's order. */
  pending: string[];
  /** Those pending before this call (a redelivered event): they may have a job of their own already. */
  alreadyPending: Set<string>;
}

/**
 * Creates the delivery rows that do not exist yet (an existing id is the same message: left as it
 * is, whatever its state) and returns the ids of the planned messages still pending.
 */
export async function createDeliveries(
  db: Executor,
  planned: readonly (PlannedShareDelivery & { postId: string; body: string })[],
  nowUtc: string,
): Promise<PendingDeliveries> {
  if (planned.length === 0) return { pending: [], alreadyPending: new Set() };
  const ids = planned.map((p) => p.messageId);
  const existing = await db.selectFrom('webhook_deliveries').select(['id', 'status']).where('id', 'in', ids).execute();
  const existed = new Set(existing.map((r) => r.id));
  const fresh = planned.filter((p) => !existed.has(p.messageId));
  if (fresh.length > 0) {
    await db
      .insertInto('webhook_deliveries')
      .values(
        fresh.map((p) => ({
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
      // A concurrent handler of the same event inserted it meanwhile: the same message.
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  const alreadyPending = new Set(existing.filter((r) => r.status === 'pending').map((r) => r.id));
  return { pending: ids.filter((id) => !existed.has(id) || alreadyPending.has(id)), alreadyPending };
}

/** A pending delivery with what groups it into a job: its destination and post. */
export interface PendingDeliveryRow {
  id: string;
  destination_id: string;
  post_id: string;
}

/**
 * Pending deliveries ordered by destination, post and id, a page at a time, whole groups only:
 * `after` is the (destination, post) of the previous page's last group. A page holds at most
 * `limit` rows, and the last group of a full page is left to the next page (it may go on there)
 * unless it is the page's only group. `more`: whether a next page may hold rows.
 */
export async function findPendingDeliveryGroups(
  db: Executor,
  after: { destinationId: string; postId: string } | undefined,
  limit: number,
): Promise<{ rows: PendingDeliveryRow[]; last: { destinationId: string; postId: string } | undefined; more: boolean }> {
  let query = db
    .selectFrom('webhook_deliveries')
    .select(['id', 'destination_id', 'post_id'])
    .where('status', '=', 'pending');
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('destination_id', '>', after.destinationId),
        eb.and([eb('destination_id', '=', after.destinationId), eb('post_id', '>', after.postId)]),
      ]),
    );
  }
  let rows = await query.orderBy('destination_id').orderBy('post_id').orderBy('id').limit(limit).execute();
  const more = rows.length === limit;
  if (more) {
    const tail = rows[rows.length - 1]!;
    const whole = rows.filter((r) => r.destination_id !== tail.destination_id || r.post_id !== tail.post_id);
    // A group of `limit` rows or more cannot happen (one row per network); keep the page if it did.
    if (whole.length > 0) rows = whole;
  }
  const end = rows[rows.length - 1];
  return { rows, last: end && { destinationId: end.destination_id, postId: end.post_id }, more };
}
