import type { Database, Kysely, SuppressedAddressRow } from '@careerfeed/db';

type Executor = Kysely<Database>;

export async function isSuppressed(db: Executor, emailKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('suppressed_addresses')
    .select('email_key')
    .where('email_key', '=', emailKey)
    .executeTakeFirst();
  return row !== undefined;
}

/** false when the address was on the list already (the first reason stays). */
export async function insertSuppression(db: Executor, row: SuppressedAddressRow): Promise<boolean> {
  const result = await db
    .insertInto('suppressed_addresses')
    .values(row)
    .onConflict((oc) => oc.column('email_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteSuppression(db: Executor, emailKey: string): Promise<boolean> {
  const result = await db.deleteFrom('suppressed_addresses').where('email_key', '=', emailKey).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export function listSuppressions(db: Executor, limit: number, offset: number): Promise<SuppressedAddressRow[]> {
  return db
    .selectFrom('suppressed_addresses')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('email_key')
    .limit(limit)
    .offset(offset)
    .execute();
}
