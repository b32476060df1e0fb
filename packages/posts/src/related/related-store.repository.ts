import type {
  Database,
  Kysely,
  RelatedStoreMetaTable,
  RelatedStoreNeighborsTable,
  RelatedStorePostsTable,
  RelatedStoreSlotPagesTable,
} from '@careerfeed/db';
import { CompiledQuery } from 'kysely';

/** All SQL of the shared related-posts index (tables of migration 0019). */

type Executor = Kysely<Database>;

// Ids per IN list, and values per multi-row insert: well under SQLite's 32,766 and PostgreSQL's
// 65,535 bound parameters. An upsert's ~200 term rows and ~260 posting rows each go in one
// statement (one round trip on PostgreSQL).
const CHUNK = 1000;
const INSERT_VALUES = 8000;

/** Rows of `columns` values per multi-row insert. */
const insertChunk = (columns: number): number => Math.floor(INSERT_VALUES / columns);

/**
 * The SQL text of one statement with its bound values, written by hand. The hot statements of an
 * operation carry hundreds of values (the ~200 terms of a post, its 128 posting rows); Kysely's
 * builders turn each value into frozen operation nodes and compile them on every run, which cost
 * more CPU than SQLite took to run the statements (profile of `npm run bench:related`).
 * `prepareQuery` does not fit: these statements have a different number of values each time.
 * Only values are bound; table and column names are constants of this file.
 */
class Statement {
  readonly values: unknown[] = [];

  constructor(private readonly postgres: boolean) {}

  /** Binds `value` and returns its placeholder. */
  bind(value: unknown): string {
    this.values.push(value);
    return this.postgres ? `$${this.values.length}` : '?';
  }

  list(values: readonly unknown[]): string {
    return values.map((value) => this.bind(value)).join(', ');
  }
}

const postgresExecutors = new WeakMap<Executor, boolean>();

/** Whether `db` speaks PostgreSQL ($n placeholders) rather than SQLite (?). */
function isPostgres(db: Executor): boolean {
  let postgres = postgresExecutors.get(db);
  if (postgres === undefined) {
    const probe = db.selectFrom('related_store_meta').select('id').where('id', '=', 1).compile();
    postgres = probe.sql.includes('$1');
    postgresExecutors.set(db, postgres);
  }
  return postgres;
}

async function run<R>(db: Executor, write: (statement: Statement) => string): Promise<R[]> {
  const statement = new Statement(isPostgres(db));
  const text = write(statement);
  return (await db.executeQuery<R>(CompiledQuery.raw(text, statement.values))).rows;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type StoreMeta = Omit<RelatedStoreMetaTable, 'id'>;

export async function findMeta(db: Executor): Promise<StoreMeta | undefined> {
  const [row] = await run<StoreMeta>(
    db,
    () =>
      'select ranking_version, k, posts, next_slot, next_term_id, next_category_id, filling, updated_at' +
      ' from related_store_meta where id = 1',
  );
  return row;
}

export async function writeMeta(db: Executor, meta: StoreMeta): Promise<void> {
  await run(
    db,
    (s) =>
      'insert into related_store_meta' +
      ' (id, ranking_version, k, posts, next_slot, next_term_id, next_category_id, filling, updated_at)' +
      ` values (1, ${s.list([meta.ranking_version, meta.k, meta.posts, meta.next_slot, meta.next_term_id, meta.next_category_id, meta.filling, meta.updated_at])})` +
      ' on conflict (id) do update set ranking_version = excluded.ranking_version, k = excluded.k,' +
      ' posts = excluded.posts, next_slot = excluded.next_slot, next_term_id = excluded.next_term_id,' +
      ' next_category_id = excluded.next_category_id, filling = excluded.filling, updated_at = excluded.updated_at',
  );
}

/** Empties every table of the store (a store ranked by another version, or a fresh fill). */
export async function clearStore(db: Executor): Promise<void> {
  await db.deleteFrom('related_store_slot_pages').execute();
  await db.deleteFrom('related_store_postings').execute();
  await db.deleteFrom('related_store_neighbors').execute();
  await db.deleteFrom('related_store_posts').execute();
  await db.deleteFrom('related_store_categories').execute();
  await db.deleteFrom('related_store_terms').execute();
  await db.deleteFrom('related_store_meta').execute();
}

export interface TermRow {
  term_id: number;
  term: string;
  document_frequency: number;
  collection_frequency: number;
}

export async function findTermsByText(db: Executor, terms: readonly string[]): Promise<TermRow[]> {
  const rows: TermRow[] = [];
  for (const chunk of chunks(terms, CHUNK)) {
    rows.push(
      ...(await run<TermRow>(
        db,
        (s) =>
          `select term_id, term, document_frequency, collection_frequency from related_store_terms where term in (${s.list(chunk)})`,
      )),
    );
  }
  return rows;
}

export async function findTermsById(db: Executor, ids: readonly number[]): Promise<TermRow[]> {
  const rows: TermRow[] = [];
  for (const chunk of chunks(ids, CHUNK)) {
    rows.push(
      ...(await run<TermRow>(
        db,
        (s) =>
          `select term_id, term, document_frequency, collection_frequency from related_store_terms where term_id in (${s.list(chunk)})`,
      )),
    );
  }
  return rows.map((row) => ({ ...row, term_id: Number(row.term_id) }));
}

export async function saveTerms(db: Executor, rows: readonly TermRow[]): Promise<void> {
  for (const chunk of chunks(rows, insertChunk(4))) {
    await run(
      db,
      (s) =>
        `insert into related_store_terms (term_id, term, document_frequency, collection_frequency) values ${chunk
          .map(
            (row) =>
              `(${s.bind(row.term_id)}, ${s.bind(row.term)}, ${s.bind(row.document_frequency)}, ${s.bind(row.collection_frequency)})`,
          )
          .join(', ')} on conflict (term_id) do update set document_frequency = excluded.document_frequency,` +
        ` collection_frequency = excluded.collection_frequency`,
    );
  }
}

export async function findCategoryId(db: Executor, category: string): Promise<number | undefined> {
  const [row] = await run<{ category_id: number }>(
    db,
    (s) => `select category_id from related_store_categories where category = ${s.bind(category)}`,
  );
  return row?.category_id;
}

export async function insertCategory(db: Executor, category: string, id: number): Promise<void> {
  await db.insertInto('related_store_categories').values({ category, category_id: id }).execute();
}

export type PostRow = RelatedStorePostsTable;

export async function findPostById(db: Executor, id: string): Promise<PostRow | undefined> {
  const [row] = await run<PostRow>(
    db,
    (s) =>
      `select post_id, slot, category_id, fields, base, vector, complete, weighed_at from related_store_posts where post_id = ${s.bind(id)}`,
  );
  return row;
}

export async function findPostsBySlots(db: Executor, slots: readonly number[]): Promise<PostRow[]> {
  const rows: PostRow[] = [];
  for (const chunk of chunks(slots, CHUNK)) {
    rows.push(
      ...(await run<PostRow>(
        db,
        (s) =>
          `select post_id, slot, category_id, fields, base, vector, complete, weighed_at from related_store_posts where slot in (${s.list(chunk)})`,
      )),
    );
  }
  return rows;
}

/** Post ids of `slots`, without their vectors (to settle ties between equal scores). */
export async function findPostIdsBySlots(db: Executor, slots: readonly number[]): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  for (const chunk of chunks(slots, CHUNK)) {
    const rows = await run<{ slot: number; post_id: string }>(
      db,
      (s) => `select slot, post_id from related_store_posts where slot in (${s.list(chunk)})`,
    );
    for (const row of rows) ids.set(row.slot, row.post_id);
  }
  return ids;
}

/** A page of posts in slot order, after `afterSlot` (for fills and rolling re-weighs). */
export async function findPostPage(db: Executor, afterSlot: number, limit: number): Promise<PostRow[]> {
  return db
    .selectFrom('related_store_posts')
    .selectAll()
    .where('slot', '>', afterSlot)
    .orderBy('slot')
    .limit(limit)
    .execute();
}

export async function savePosts(db: Executor, rows: readonly PostRow[]): Promise<void> {
  for (const chunk of chunks(rows, insertChunk(8))) {
    await run(
      db,
      (s) =>
        'insert into related_store_posts (post_id, slot, category_id, fields, base, vector, complete, weighed_at) values ' +
        chunk
          .map(
            (row) =>
              `(${s.list([row.post_id, row.slot, row.category_id, row.fields, row.base, row.vector, row.complete, row.weighed_at])})`,
          )
          .join(', ') +
        ' on conflict (post_id) do update set category_id = excluded.category_id, fields = excluded.fields,' +
        ' base = excluded.base, vector = excluded.vector, complete = excluded.complete, weighed_at = excluded.weighed_at',
    );
  }
}

export async function deletePosts(db: Executor, slots: readonly number[]): Promise<void> {
  for (const chunk of chunks(slots, CHUNK))
    await run(db, (s) => `delete from related_store_posts where slot in (${s.list(chunk)})`);
}

export type NeighborRow = RelatedStoreNeighborsTable;

export async function findNeighbors(db: Executor, slots: readonly number[]): Promise<NeighborRow[]> {
  const rows: NeighborRow[] = [];
  for (const chunk of chunks(slots, CHUNK)) {
    rows.push(
      ...(await run<NeighborRow>(
        db,
        (s) =>
          `select slot, rank, neighbor_slot, neighbor_id, score from related_store_neighbors where slot in (${s.list(chunk)}) order by slot, rank`,
      )),
    );
  }
  return rows.map((row) => ({ ...row, score: Number(row.score) }));
}

/** Slots whose neighbor lists hold `slot`. */
export async function findHolders(db: Executor, slot: number): Promise<number[]> {
  const rows = await run<{ slot: number }>(
    db,
    (s) => `select slot from related_store_neighbors where neighbor_slot = ${s.bind(slot)}`,
  );
  return rows.map((row) => row.slot);
}

/** Replaces the neighbor lists of `slots` with `rows`. */
export async function replaceNeighbors(
  db: Executor,
  slots: readonly number[],
  rows: readonly NeighborRow[],
): Promise<void> {
  for (const chunk of chunks(slots, CHUNK))
    await run(db, (s) => `delete from related_store_neighbors where slot in (${s.list(chunk)})`);
  for (const chunk of chunks(rows, insertChunk(5)))
    await run(
      db,
      (s) =>
        'insert into related_store_neighbors (slot, rank, neighbor_slot, neighbor_id, score) values ' +
        chunk
          .map((row) => `(${s.list([row.slot, row.rank, row.neighbor_slot, row.neighbor_id, row.score])})`)
          .join(', '),
    );
}

export async function findPostings(
  db: Executor,
  kind: number,
  features: readonly number[],
): Promise<{ feature: number; entries: Uint8Array }[]> {
  const rows: { feature: number; entries: Uint8Array }[] = [];
  for (const chunk of chunks(features, CHUNK)) {
    rows.push(
      ...(await run<{ feature: number; entries: Uint8Array }>(
        db,
        (s) =>
          `select feature, entries from related_store_postings where kind = ${s.bind(kind)} and feature in (${s.list(chunk)})`,
      )),
    );
  }
  return rows;
}

export async function savePostings(
  db: Executor,
  lists: readonly { kind: number; feature: number; entries: Uint8Array }[],
): Promise<void> {
  for (const chunk of chunks(lists, insertChunk(3))) {
    await run(
      db,
      (s) =>
        'insert into related_store_postings (kind, feature, entries) values ' +
        chunk.map(({ kind, feature, entries }) => `(${s.list([kind, feature, entries])})`).join(', ') +
        ' on conflict (kind, feature) do update set entries = excluded.entries',
    );
  }
}

export async function deletePostings(db: Executor, kind: number, features: readonly number[]): Promise<void> {
  for (const chunk of chunks(features, CHUNK)) {
    await run(
      db,
      (s) => `delete from related_store_postings where kind = ${s.bind(kind)} and feature in (${s.list(chunk)})`,
    );
  }
}

export type SlotPageRow = RelatedStoreSlotPagesTable;

export async function findSlotPages(db: Executor, pages: readonly number[]): Promise<SlotPageRow[]> {
  const rows: SlotPageRow[] = [];
  for (const chunk of chunks(pages, CHUNK)) {
    rows.push(
      ...(await run<SlotPageRow>(
        db,
        (s) => `select page, categories, thresholds from related_store_slot_pages where page in (${s.list(chunk)})`,
      )),
    );
  }
  return rows;
}

export async function saveSlotPages(db: Executor, rows: readonly SlotPageRow[]): Promise<void> {
  for (const chunk of chunks(rows, insertChunk(3))) {
    await run(
      db,
      (s) =>
        'insert into related_store_slot_pages (page, categories, thresholds) values ' +
        chunk.map((row) => `(${s.list([row.page, row.categories, row.thresholds])})`).join(', ') +
        ' on conflict (page) do update set categories = excluded.categories, thresholds = excluded.thresholds',
    );
  }
}

/**
 * Starts a full recompute: every list emptied and marked complete, every threshold 0, every
 * posting list dropped (they are rebuilt from the vectors page by page).
 */
export async function clearListsAndPostings(db: Executor, zeroThresholds: Uint8Array): Promise<void> {
  await db.deleteFrom('related_store_neighbors').execute();
  await db.deleteFrom('related_store_postings').execute();
  await db.updateTable('related_store_posts').set({ complete: 1 }).execute();
  await db.updateTable('related_store_slot_pages').set({ thresholds: zeroThresholds }).execute();
}

/**
 * The `limit` posts weighed longest ago (oldest `weighed_at` first, ties by slot), with the time
 * each was weighed: the rolling re-weigh's next batch (index of migration 0019).
 */
export async function findStalestPosts(
  db: Executor,
  limit: number,
): Promise<{ post_id: string; weighed_at: string }[]> {
  return run<{ post_id: string; weighed_at: string }>(
    db,
    (s) => `select post_id, weighed_at from related_store_posts order by weighed_at, slot limit ${s.bind(limit)}`,
  );
}
