import type { Database, Kysely, PartnerPostTombstoneRow } from '@careerfeed/db';

type Executor = Kysely<Database>;

export async function insertTombstone(db: Executor, row: PartnerPostTombstoneRow): Promise<void> {
  await db
    .insertInto('partner_post_tombstones')
    .values(row)
    .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
    .execute();
}

export async function hasTombstone(db: Executor, source: string, externalId: string): Promise<boolean> {
  const row = await db
    .selectFrom('partner_post_tombstones')
    .select('source')
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row !== undefined;
}

export function listTombstones(db: Executor, source: string): Promise<PartnerPostTombstoneRow[]> {
  return db
    .selectFrom('partner_post_tombstones')
    .selectAll()
    .where('source', '=', source)
    .orderBy('deleted_at', 'desc')
    .execute();
}

export async function deleteTombstone(db: Executor, source: string, externalId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('partner_post_tombstones')
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function isPartnerSource(db: Executor, source: string): Promise<boolean> {
  const row = await db.selectFrom('sources').select('id').where('id', '=', source).executeTakeFirst();
  return row !== undefined;
}
