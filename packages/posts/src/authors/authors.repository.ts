import type { AuthorRow, Database, Kysely } from '@careerfeed/db';

type Executor = Kysely<Database>;

export function findAuthorBySlug(db: Executor, slug: string): Promise<AuthorRow | undefined> {
  return db.selectFrom('authors').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findAuthorsByIds(db: Executor, ids: string[]): Promise<Map<string, AuthorRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('authors')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((row) => [row.id, row]));
}

export function listAuthors(db: Executor): Promise<AuthorRow[]> {
  return db.selectFrom('authors').selectAll().orderBy('slug').execute();
}

/** Returns false when an author with that slug already exists. */
export async function insertAuthorIfAbsent(db: Executor, row: AuthorRow): Promise<boolean> {
  const result = await db
    .insertInto('authors')
    .values(row)
    .onConflict((oc) => oc.column('slug').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function updateAuthor(
  db: Executor,
  id: string,
  fields: Partial<Pick<AuthorRow, 'name' | 'bio' | 'links' | 'photo_url'>> & Pick<AuthorRow, 'updated_at'>,
): Promise<void> {
  await db.updateTable('authors').set(fields).where('id', '=', id).execute();
}
