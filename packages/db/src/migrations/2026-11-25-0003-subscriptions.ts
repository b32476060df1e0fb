import crypto from 'node:crypto';
import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // As typed (trimmed); `email_key` is the lower-cased form that makes one address one subscriber.
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'active', 'unsubscribed', 'suspended')`),
    )
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('instant', 'daily', 'weekly')`))
    // JSON array of "tag:<slug>" / "category:<slug>"; empty means everything.
    .addColumn('topics', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('delivery_hour', 'integer', (c) => c.notNull().defaultTo(8))
    // ISO weekday, 1 = Monday … 7 = Sunday; used by weekly digests.
    .addColumn('delivery_weekday', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
    // Random per subscription attempt; a confirmation token carries it, so an old link cannot
    // re-activate an address that has since unsubscribed.
    .addColumn('confirmation_nonce', 'text')
    .addColumn('confirmation_sent_at', 'text')
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .addColumn('suspended_at', 'text')
    .addColumn('hard_bounces', 'integer', (c) => c.notNull().defaultTo(0))
    // Posts published before this instant were covered by an earlier digest (or predate the subscription).
    .addColumn('digest_cursor', 'text')
    // When the next scheduled digest is due (UTC); null when none is (pending, paused, instant, …).
    .addColumn('next_digest_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The scheduler's only query: "active subscribers whose digest is due", streamed in due order.
  await db.schema
    .createIndex('subscribers_due_idx')
    .on('subscribers')
    .columns(['status', 'next_digest_at', 'id'])
    .execute();

  await db.schema
    .createTable('digest_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscriber_id', 'text', (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
    // "daily:2026-11-25", "weekly:2026-W48", "instant:<window end>": one digest per subscriber and period.
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('sending', 'sent', 'skipped', 'failed')`))
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('window_end', 'text', (c) => c.notNull())
    // JSON array of post ids in the digest.
    .addColumn('post_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('message_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addUniqueConstraint('digest_deliveries_period_unique', ['subscriber_id', 'period_key'])
    .execute();

  // The key that signs confirmation, preferences and unsubscribe links. Kept in the database so
  // every instance of every service shares it without any configuration.
  await db
    .insertInto('settings')
    .values({
      key: 'subscription-token-key',
      value: JSON.stringify(crypto.randomBytes(32).toString('base64url')),
      updated_at: new Date().toISOString(),
    })
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', 'subscription-token-key').execute();
  await db.schema.dropTable('digest_deliveries').execute();
  await db.schema.dropTable('subscribers').execute();
}
