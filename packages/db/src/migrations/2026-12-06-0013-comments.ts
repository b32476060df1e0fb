import crypto from 'node:crypto';
import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Readers' comments on posts (WordPress's "Leave a Reply"), held for moderation by default.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    // A reply's parent: a comment on the same post (checked by the service). Deleting a comment
    // moves its replies up to its own parent, as WordPress does, so no foreign-key action here.
    .addColumn('parent_id', 'text')
    // 0 for a comment on the post, parent's depth + 1 for a reply (bounded by the service).
    .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('author_name', 'text', (c) => c.notNull())
    // Never shown publicly; `author_email_key` (lower-cased) finds earlier approved comments.
    .addColumn('author_email', 'text', (c) => c.notNull())
    .addColumn('author_email_key', 'text', (c) => c.notNull())
    .addColumn('author_url', 'text')
    // Sanitized when stored (the comment allowlist): embedded as is in pages, feeds and mails.
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'spam', 'trash')`))
    // Why a comment was filed as spam on arrival (honeypot, too-fast, links); null otherwise.
    .addColumn('spam_reason', 'text')
    // "Notify me of replies": none → pending (mail sent) → confirmed; unsubscribed by the mail's link.
    .addColumn('reply_notifications', 'text', (c) =>
      c
        .notNull()
        .defaultTo('none')
        .check(sql`reply_notifications in ('none', 'pending', 'confirmed', 'unsubscribed')`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'text')
    .execute();
  // The post page and per-post feed: a post's approved comments in order.
  await db.schema.createIndex('comments_post_status_idx').on('comments').columns(['post_id', 'status', 'id']).execute();
  // Moderation lists and the site-wide comment feed.
  await db.schema.createIndex('comments_status_idx').on('comments').columns(['status', 'id']).execute();
  // "Has this address an approved comment already?"
  await db.schema
    .createIndex('comments_email_status_idx')
    .on('comments')
    .columns(['author_email_key', 'status'])
    .execute();
  await db.schema.createIndex('comments_parent_idx').on('comments').column('parent_id').execute();

  // Signs the comment form's timestamp and the reply-notification links; shared by every instance.
  await db
    .insertInto('settings')
    .values({
      key: 'comment-token-key',
      value: JSON.stringify(crypto.randomBytes(32).toString('base64url')),
      updated_at: new Date().toISOString(),
    })
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', 'comment-token-key').execute();
  await db.schema.dropTable('comments').execute();
}
