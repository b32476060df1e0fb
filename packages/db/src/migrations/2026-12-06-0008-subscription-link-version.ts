import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Preferences and unsubscribe links are bound to one subscription: the token carries the
// subscriber's link_version, and unsubscribing (or subscribing again afterwards) bumps it, which
// revokes every earlier link. Links made before this migration carry no version (read as 0) and
// no expiry: they are honoured, while the version still matches, until the deadline recorded here
// (90 days on, the lifetime of a new link), so the unsubscribe link of every mail already sent
// keeps working for as long as a new one would.
export const LEGACY_MANAGE_LINKS_SETTING = 'legacy-manage-links-until';
const LEGACY_GRACE_MS = 90 * 86_400_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('subscribers')
    .addColumn('link_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Addresses unsubscribed today: their old (version-less) links are revoked at once, so they can
  // never manage a subscription made later.
  await db.updateTable('subscribers').set({ link_version: 1 }).where('status', '=', 'unsubscribed').execute();
  const now = new Date();
  await db
    .insertInto('settings')
    .values({
      key: LEGACY_MANAGE_LINKS_SETTING,
      value: JSON.stringify(new Date(now.getTime() + LEGACY_GRACE_MS).toISOString()),
      updated_at: now.toISOString(),
    })
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', LEGACY_MANAGE_LINKS_SETTING).execute();
  await db.schema.alterTable('subscribers').dropColumn('link_version').execute();
}
