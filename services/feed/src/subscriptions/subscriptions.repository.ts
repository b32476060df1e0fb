import type { Database, Kysely, NewSubscriberRow, SubscriberRow } from '@careerfeed/db';

type Executor = Kysely<Database>;

/** Columns a subscription attempt may change; what a failed enqueue puts back. */
export type AttemptColumns = Pick<
  SubscriberRow,
  | 'email'
  | 'status'
  | 'frequency'
  | 'topics'
  | 'time_zone'
  | 'delivery_hour'
  | 'delivery_weekday'
  | 'paused'
  | 'confirmation_nonce'
  | 'confirmation_sent_at'
  | 'link_version'
  | 'updated_at'
>;

export async function findSubscriberByEmailKey(db: Executor, emailKey: string): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('email_key', '=', emailKey).executeTakeFirst();
}

export async function findSubscriberById(db: Executor, id: string): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertSubscriber(db: Executor, row: NewSubscriberRow): Promise<void> {
  await db.insertInto('subscribers').values(row).execute();
}

export async function updateAttempt(db: Executor, id: string, columns: AttemptColumns): Promise<void> {
  await db.updateTable('subscribers').set(columns).where('id', '=', id).execute();
}

/** Undoes an attempt that could not be announced, unless a newer attempt has replaced it since. */
export async function revertAttempt(
  db: Executor,
  id: string,
  nonce: string,
  previous: AttemptColumns | null,
): Promise<void> {
  if (previous === null) {
    await db.deleteFrom('subscribers').where('id', '=', id).where('confirmation_nonce', '=', nonce).execute();
  } else {
    await db
      .updateTable('subscribers')
      .set(previous)
      .where('id', '=', id)
      .where('confirmation_nonce', '=', nonce)
      .execute();
  }
}

/** Activates a pending subscriber whose nonce is still `nonce`; false when it is not (used, superseded, unsubscribed). */
export async function activate(
  db: Executor,
  id: string,
  nonce: string,
  columns: { confirmed_at: string; digest_cursor: string; next_digest_at: string | null; updated_at: string },
): Promise<boolean> {
  const result = await db
    .updateTable('subscribers')
    .set({ ...columns, status: 'active', confirmation_nonce: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('confirmation_nonce', '=', nonce)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function updatePreferences(
  db: Executor,
  id: string,
  columns: Pick<
    SubscriberRow,
    | 'frequency'
    | 'topics'
    | 'time_zone'
    | 'delivery_hour'
    | 'delivery_weekday'
    | 'paused'
    | 'next_digest_at'
    | 'digest_cursor'
    | 'updated_at'
  >,
): Promise<void> {
  await db.updateTable('subscribers').set(columns).where('id', '=', id).execute();
}

/**
 * Idempotent: an address already unsubscribed keeps its first unsubscribed_at. Bumps link_version,
 * which revokes every preferences/unsubscribe link made so far.
 */
export async function unsubscribe(db: Executor, id: string, now: string): Promise<void> {
  await db
    .updateTable('subscribers')
    .set((eb) => ({
      link_version: eb('link_version', '+', 1),
      status: 'unsubscribed',
      unsubscribed_at: now,
      next_digest_at: null,
      confirmation_nonce: null,
      updated_at: now,
    }))
    .where('id', '=', id)
    .where('status', '!=', 'unsubscribed')
    .execute();
}

/** Every tag slug (with its name) and every category in use: what readers can choose as topics. */
export async function findTopicCatalogue(
  db: Executor,
): Promise<{ tags: { slug: string; name: string }[]; categories: string[] }> {
  const [tags, categories] = await Promise.all([
    db.selectFrom('tags').select(['slug', 'name']).orderBy('slug').execute(),
    db
      .selectFrom('posts')
      .select('category')
      .distinct()
      .where('category', 'is not', null)
      .orderBy('category')
      .execute(),
  ]);
  return { tags, categories: categories.map((row) => row.category!).filter((c) => c !== '') };
}
