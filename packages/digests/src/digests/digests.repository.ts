import {
  type Database,
  type DigestDeliveryRow,
  type Kysely,
  type QueryParameter,
  type SubscriberRow,
  prepareQuery,
  sql,
} from '@careerfeed/db';
import { visiblePostsAt } from '@careerfeed/posts';

/** All SQL of the digest engine. Every function takes the executor first, so a transaction is just another `db`. */
type Executor = Kysely<Database>;

export type ScheduledFrequency = 'daily' | 'weekly';

export interface ScheduleRow {
  id: string;
  frequency: SubscriberRow['frequency'];
  time_zone: string;
  delivery_hour: number;
  delivery_weekday: number;
  next_digest_at: string | null;
}

const scheduleColumns = [
  'id',
  'frequency',
  'time_zone',
  'delivery_hour',
  'delivery_weekday',
  'next_digest_at',
] as const;

/**
 * One page of active, unpaused subscribers whose digest is due, in (next_digest_at, id) order
 * after the given key: the scheduler streams these and never loads everyone at once.
 */
export function findDueSubscribers(
  db: Executor,
  options: {
    nowUtc: string;
    frequencies: ScheduledFrequency[];
    after: { due: string; id: string } | undefined;
    limit: number;
  },
): Promise<ScheduleRow[]> {
  let query = db
    .selectFrom('subscribers')
    .select(scheduleColumns)
    .where('status', '=', 'active')
    .where('paused', '=', 0)
    .where('frequency', 'in', options.frequencies)
    .where('next_digest_at', 'is not', null)
    .where('next_digest_at', '<=', options.nowUtc);
  const after = options.after;
  // A row-value comparison, not `a > x or (a = x and id > y)`: PostgreSQL turns it into one index
  // range on subscribers_due_idx, so each page starts where the last ended instead of re-reading
  // everything due before it (quadratic over a large tick).
  if (after) query = query.where(sql<boolean>`(next_digest_at, id) > (${after.due}, ${after.id})`);
  return query.orderBy('next_digest_at').orderBy('id').limit(options.limit).execute();
}

/**
 * Moves a page of subscribers' next digests on in one statement (one round trip and, on SQLite,
 * one commit, rather than one per row), each only if nobody else did: a row moves only if its
 * next_digest_at still holds the value read (null included), so two schedulers that read the same
 * rows advance each once.
 */
export async function advanceNextDigests(
  db: Executor,
  moves: { id: string; from: string | null; to: string }[],
  nowUtc: string,
): Promise<void> {
  // SQLite's default limit is 32,766 bound values; three per row, in slices well under it.
  for (let i = 0; i < moves.length; i += 1000) {
    const slice = moves.slice(i, i + 1000);
    const fromNull = slice.filter((m) => m.from === null);
    const fromValue = slice.filter((m) => m.from !== null);
    if (fromValue.length > 0) {
      const rows = sql.join(fromValue.map((m) => sql`(${m.id}, ${m.from}, ${m.to})`));
      await sql`with moves (id, due_from, due_to) as (values ${rows})
        update subscribers set next_digest_at = moves.due_to, updated_at = ${nowUtc}
        from moves where subscribers.id = moves.id and subscribers.next_digest_at = moves.due_from`.execute(db);
    }
    if (fromNull.length > 0) {
      const rows = sql.join(fromNull.map((m) => sql`(${m.id}, ${m.to})`));
      await sql`with moves (id, due_to) as (values ${rows})
        update subscribers set next_digest_at = moves.due_to, updated_at = ${nowUtc}
        from moves where subscribers.id = moves.id and subscribers.next_digest_at is null`.execute(db);
    }
  }
}

/** Active subscribers of the given frequencies in id order after `afterId` (keyset pages). */
export function findActiveSubscribersPage(
  db: Executor,
  options: {
    frequencies: SubscriberRow['frequency'][];
    afterId: string | undefined;
    limit: number;
    /** Only those whose schedule was never set (active daily/weekly with next_digest_at null). */
    withoutSchedule?: boolean;
  },
): Promise<ScheduleRow[]> {
  let query = db
    .selectFrom('subscribers')
    .select(scheduleColumns)
    .where('status', '=', 'active')
    .where('paused', '=', 0)
    .where('frequency', 'in', options.frequencies);
  if (options.withoutSchedule) query = query.where('next_digest_at', 'is', null);
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  return query.orderBy('id').limit(options.limit).execute();
}

/**
 * A page's subscribers, each with `coveredUntil`, in one statement (what a page of digests reads
 * first, instead of one read per digest). Missing ids (deleted subscribers) have no row.
 */
export async function findSubscribersWithCoverage(
  db: Executor,
  ids: string[],
): Promise<Map<string, SubscriberRow & { covered_until: string | null }>> {
  const found = new Map<string, SubscriberRow & { covered_until: string | null }>();
  if (ids.length === 0) return found;
  const rows = await db
    .selectFrom('subscribers')
    .selectAll('subscribers')
    .select((eb) =>
      eb
        .selectFrom('digest_deliveries')
        .select((sub) => sub.fn.max('digest_deliveries.window_end').as('end'))
        .whereRef('digest_deliveries.subscriber_id', '=', 'subscribers.id')
        .where('digest_deliveries.status', 'in', ['sending', 'sent'])
        .as('covered_until'),
    )
    .where('subscribers.id', 'in', [...new Set(ids)])
    .execute();
  for (const row of rows)
    found.set(row.id, { ...row, covered_until: (row.covered_until as string | null | undefined) ?? null });
  return found;
}

/**
 * Claims a batch of deliveries in one statement: inserts each row unless its (subscriber, period)
 * already has one. Returns the ids of the rows inserted; the others were there before.
 */
export async function insertDeliveriesIfAbsent(db: Executor, rows: DigestDeliveryRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('digest_deliveries')
    .values(rows)
    .onConflict((oc) => oc.columns(['subscriber_id', 'period_key']).doNothing())
    .returning('id')
    .execute();
  return new Set(inserted.map((row) => row.id));
}

/** The delivery rows of these (subscriber, period) pairs that exist, keyed `subscriber|period`. */
export async function findDeliveriesOf(
  db: Executor,
  pairs: { subscriberId: string; periodKey: string }[],
): Promise<Map<string, DigestDeliveryRow>> {
  const found = new Map<string, DigestDeliveryRow>();
  if (pairs.length === 0) return found;
  const rows = await db
    .selectFrom('digest_deliveries')
    .selectAll()
    .where('subscriber_id', 'in', [...new Set(pairs.map((p) => p.subscriberId))])
    .where('period_key', 'in', [...new Set(pairs.map((p) => p.periodKey))])
    .execute();
  for (const row of rows) found.set(`${row.subscriber_id}|${row.period_key}`, row);
  return found;
}

/** One more attempt on each of these deliveries (found `sending`: an earlier attempt did not finish). */
export async function recordAttempts(db: Executor, ids: string[], nowUtc: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('digest_deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: nowUtc }))
    .where('id', 'in', ids)
    .execute();
}

/**
 * Gives back claims whose digests were never tried (the worker is stopping): rows this attempt
 * inserted are deleted, rows it counted an attempt on get that attempt back. Only while still
 * `sending`, so a row another attempt has finished in the meantime stays as it is.
 */
export async function releaseClaims(
  db: Executor,
  claims: { inserted: string[]; retried: string[] },
  nowUtc: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (claims.inserted.length > 0) {
      await tx
        .deleteFrom('digest_deliveries')
        .where('id', 'in', claims.inserted)
        .where('status', '=', 'sending')
        .execute();
    }
    if (claims.retried.length > 0) {
      await tx
        .updateTable('digest_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '-', 1), updated_at: nowUtc }))
        .where('id', 'in', claims.retried)
        .where('status', '=', 'sending')
        .execute();
    }
  });
}

/** How a digest ended, as its delivery row records it (see recordFinishedDeliveries). */
export interface FinishedDelivery {
  id: string;
  subscriberId: string;
  windowEnd: string;
  status: 'sent' | 'skipped';
  /** JSON array of the post ids sent; `[]` when skipped. */
  postIds: string;
  messageId: string | null;
  /** Why it was skipped; null when sent or when there was nothing new. */
  reason: string | null;
  /** When the SMTP server accepted it (sent) or when it was skipped. */
  at: string;
}

/**
 * Records finished digests in one transaction of two statements, whatever their number: each
 * delivery's outcome, and each subscriber's cursor moved forward only (a late, older digest never
 * rewinds it). The same as markDeliverySent / markDeliverySkipped for each, in one commit.
 */
export async function recordFinishedDeliveries(db: Executor, finished: FinishedDelivery[]): Promise<void> {
  if (finished.length === 0) return;
  const cursors = new Map<string, { to: string; at: string }>();
  for (const f of finished) {
    const seen = cursors.get(f.subscriberId);
    if (seen === undefined || seen.to < f.windowEnd) cursors.set(f.subscriberId, { to: f.windowEnd, at: f.at });
  }
  await db.transaction().execute(async (tx) => {
    // SQLite's default limit is 32,766 bound values; seven per row, in slices well under it.
    for (let i = 0; i < finished.length; i += 1000) {
      const rows = sql.join(
        finished
          .slice(i, i + 1000)
          .map(
            (f) =>
              sql`(${f.id}, ${f.status}, ${f.postIds}, ${f.messageId}, ${f.reason}, ${f.at}, ${f.status === 'sent' ? f.at : null})`,
          ),
      );
      await sql`with done (id, status, post_ids, message_id, last_error, updated_at, sent_at) as (values ${rows})
        update digest_deliveries set status = done.status, post_ids = done.post_ids,
          message_id = coalesce(done.message_id, digest_deliveries.message_id), last_error = done.last_error,
          updated_at = done.updated_at, sent_at = coalesce(done.sent_at, digest_deliveries.sent_at)
        from done where digest_deliveries.id = done.id`.execute(tx);
    }
    const moves = [...cursors];
    for (let i = 0; i < moves.length; i += 1000) {
      const rows = sql.join(moves.slice(i, i + 1000).map(([id, m]) => sql`(${id}, ${m.to}, ${m.at})`));
      await sql`with moves (id, cursor_to, updated_at) as (values ${rows})
        update subscribers set digest_cursor = moves.cursor_to, updated_at = moves.updated_at
        from moves where subscribers.id = moves.id
          and (subscribers.digest_cursor is null or subscribers.digest_cursor < moves.cursor_to)`.execute(tx);
    }
  });
}

/**
 * The last look before a mail leaves (see findSendState), built and compiled once per database:
 * it runs for every digest (see prepareQuery).
 */
export function sendStateStatement(db: Executor) {
  return prepareQuery((param: QueryParameter<{ id: string }>) =>
    db
      .selectFrom('subscribers')
      .leftJoin('suppressed_addresses', 'suppressed_addresses.email_key', 'subscribers.email_key')
      .select([
        'subscribers.status',
        'subscribers.paused',
        'subscribers.email',
        'subscribers.email_key',
        'suppressed_addresses.email_key as suppressed',
      ])
      .where('subscribers.id', '=', param('id')),
  );
}

export function findSubscriber(db: Executor, id: string): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findSubscriberByEmail(db: Executor, emailKey: string): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('email_key', '=', emailKey).executeTakeFirst();
}

/**
 * The end of the newest window already sent or being sent to this subscriber. A digest starts no
 * earlier, so two digests whose jobs overlap (a retry still pending when the next period comes)
 * never show the same post twice.
 */
export async function coveredUntil(db: Executor, subscriberId: string): Promise<string | null> {
  const row = await db
    .selectFrom('digest_deliveries')
    .select((eb) => eb.fn.max('window_end').as('end'))
    .where('subscriber_id', '=', subscriberId)
    .where('status', 'in', ['sending', 'sent'])
    .executeTakeFirst();
  return (row?.end as string | null | undefined) ?? null;
}

export async function recordTransientError(db: Executor, id: string, error: string, nowUtc: string): Promise<void> {
  await db
    .updateTable('digest_deliveries')
    .set({ last_error: error, updated_at: nowUtc })
    .where('id', '=', id)
    .execute();
}

/**
 * A permanent rejection: the delivery failed, the subscriber's hard bounces go up by one and at
 * `suspendAfter` the subscriber is suspended (no more scheduled digests). Returns whether this
 * bounce suspended them.
 */
export async function recordHardBounce(
  db: Executor,
  bounce: { deliveryId: string | null; subscriberId: string; error: string; suspendAfter: number },
  nowUtc: string,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    if (bounce.deliveryId !== null) {
      await tx
        .updateTable('digest_deliveries')
        .set({ status: 'failed', last_error: bounce.error, updated_at: nowUtc })
        .where('id', '=', bounce.deliveryId)
        .execute();
    }
    await tx
      .updateTable('subscribers')
      .set((eb) => ({ hard_bounces: eb('hard_bounces', '+', 1), updated_at: nowUtc }))
      .where('id', '=', bounce.subscriberId)
      .execute();
    const suspended = await tx
      .updateTable('subscribers')
      .set({ status: 'suspended', suspended_at: nowUtc, next_digest_at: null, updated_at: nowUtc })
      .where('id', '=', bounce.subscriberId)
      .where('status', '=', 'active')
      .where('hard_bounces', '>=', bounce.suspendAfter)
      .executeTakeFirst();
    return suspended.numUpdatedRows > 0n;
  });
}

export interface WindowPostRow {
  id: string;
  slug: string;
  title: string;
  excerpt: string;
  category: string | null;
  image: string | null;
  published_at_utc: string;
  author_name: string;
}

/** Visible posts (published, their time come by `nowUtc`) published in [start, end), oldest first. */
export async function findWindowPosts(
  db: Executor,
  window: { start: string; end: string; nowUtc: string },
): Promise<WindowPostRow[]> {
  const rows = await db
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select([
      'posts.id',
      'posts.slug',
      'posts.title',
      'posts.excerpt',
      'posts.category',
      'posts.image',
      'posts.published_at_utc',
      'authors.name as author_name',
    ])
    .where(visiblePostsAt(window.nowUtc))
    .where('posts.published_at_utc', '>=', window.start)
    .where('posts.published_at_utc', '<', window.end)
    .orderBy('posts.published_at_utc')
    .orderBy('posts.id')
    .execute();
  return rows.map((row) => ({ ...row, published_at_utc: row.published_at_utc! }));
}

const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Display names of each post's tags, in the post's order (what digests show as topics). */
export async function findTagNamesOfPosts(db: Executor, postIds: string[]): Promise<Map<string, string[]>> {
  const byPost = new Map<string, string[]>(postIds.map((id) => [id, []]));
  for (const part of chunks(postIds)) {
    const rows = await db
      .selectFrom('post_tags')
      .innerJoin('tags', 'tags.slug', 'post_tags.tag_slug')
      .select(['post_tags.post_id', 'tags.name'])
      .where('post_tags.post_id', 'in', part)
      .orderBy('post_tags.post_id')
      .orderBy('post_tags.position')
      .execute();
    for (const row of rows) byPost.get(row.post_id)?.push(row.name);
  }
  return byPost;
}

export async function findTagsOfPosts(db: Executor, postIds: string[]): Promise<Map<string, string[]>> {
  const byPost = new Map<string, string[]>(postIds.map((id) => [id, []]));
  for (const part of chunks(postIds)) {
    const rows = await db
      .selectFrom('post_tags')
      .select(['post_id', 'tag_slug'])
      .where('post_id', 'in', part)
      .orderBy('post_id')
      .orderBy('position')
      .execute();
    for (const row of rows) byPost.get(row.post_id)?.push(row.tag_slug);
  }
  return byPost;
}
