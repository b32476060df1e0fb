import type { Database, Kysely, SourceRow, SourceRowUpdate } from '@careerfeed/db';

type Executor = Kysely<Database>;

export function findSourceById(db: Executor, id: string): Promise<SourceRow | undefined> {
  return db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findSourceByUrl(db: Executor, url: string): Promise<SourceRow | undefined> {
  return db.selectFrom('sources').selectAll().where('url', '=', url).executeTakeFirst();
}

export function listSources(db: Executor): Promise<SourceRow[]> {
  return db.selectFrom('sources').selectAll().orderBy('id').execute();
}

/** Due sources, oldest due first, at most `limit`. */
export function findDueSources(db: Executor, nowUtc: string, limit: number): Promise<Pick<SourceRow, 'id'>[]> {
  return db
    .selectFrom('sources')
    .select('id')
    .where('next_poll_at', '<=', nowUtc)
    .orderBy('next_poll_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function insertSource(db: Executor, row: SourceRow): Promise<void> {
  await db.insertInto('sources').values(row).execute();
}

export async function updateSource(db: Executor, id: string, fields: SourceRowUpdate): Promise<void> {
  await db.updateTable('sources').set(fields).where('id', '=', id).execute();
}

export async function deleteSource(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('sources').where('id', '=', id).execute();
}

/** Posts syndicated from each of these sources. */
export async function countItems(db: Executor, ids: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(ids.map((id) => [id, 0]));
  if (ids.length === 0) return counts;
  const rows = await db
    .selectFrom('posts')
    .select(['source', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('source', 'in', ids)
    .groupBy('source')
    .execute();
  for (const row of rows) counts.set(row.source, Number(row.n));
  return counts;
}
