import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** The HMAC key of subscriber links, created by migration 0003 and shared by every instance. */
export async function readSubscriptionTokenKey(db: Kysely<Database>): Promise<Buffer> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'subscription-token-key')
    .executeTakeFirstOrThrow();
  return Buffer.from(JSON.parse(row.value) as string, 'base64url');
}

/**
 * Until when manage links made before they expired (no expiry, no version) are honoured: recorded
 * by migration 0008, 90 days after it ran.
 */
export async function readLegacyManageLinksDeadline(db: Kysely<Database>): Promise<Date> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'legacy-manage-links-until')
    .executeTakeFirstOrThrow();
  return new Date(JSON.parse(row.value) as string);
}
