import type {
  Database,
  Kysely,
  RelatedStoreMetaTable,
  RelatedStoreNeighborsTable,
  RelatedStorePostsTable,
  RelatedStoreSlotPagesTable,
} from '@careerfeed/db';
import { CompiledQuery, PostgresAdapter } from 'kysely';

/** All SQL of the shared related-posts index (tables of migration 0019). */

type Executor = Kysely<Database>;

// Ids per IN list, and values per multi-row insert: well under SQLite's 32,766 and PostgreSQL's
// 65,535 bound parameters. An upsert's ~200 term rows and ~130 posting rows each go in one
// statement, and on PostgreSQL all its writes go in one statement (`writeBack`).
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

  /**
   * A condition that the expression before it is one of `values`: `in (?, ?, …)` on SQLite,
   * `= any($n::type[])` on PostgreSQL, one array value instead of hundreds (the ~200 terms of a
   * post, its posting lists), which the driver and the server each handle once.
   */
  oneOf(values: readonly (number | string)[], type: 'integer' | 'text'): string {
    return this.postgres ? `= any(${this.bind(values)}::${type}[])` : `in (${this.list(values)})`;
  }
}

/** Whether `db` speaks PostgreSQL ($n placeholders) rather than SQLite (?). */
function isPostgres(db: Executor): boolean {
  // The adapter, not a compiled probe: an operation runs on a new transaction object each time,
  // and compiling a Kysely query per operation showed in the profile.
  return db.getExecutor().adapter instanceof PostgresAdapter;
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

const META_COLUMNS = [
  'ranking_version',
  'k',
  'posts',
  'next_slot',
  'next_term_id',
  'next_category_id',
  'filling',
  'updated_at',
] as const;

export interface UpsertStart {
  meta: StoreMeta;
  /** The id of the upserted post's category; undefined for none or one the store lacks. */
  categoryId: number | undefined;
  /** The upserted post's row, when the store has it (its neighbors are not read). */
  post: PostRow | undefined;
  /** The slot page of `meta.next_slot` (where a new post goes), when it exists. */
  nextSlotPage: SlotPageRow | undefined;
}

/**
 * What every upsert reads first, in one statement: the meta row, the category's id, the post's
 * row if it is stored, and the slot page a new post would go in. Undefined for an empty store.
 */
export async function findUpsertStart(
  db: Executor,
  postId: string,
  category: string | null,
  slotsPerPage: number,
): Promise<UpsertStart | undefined> {
  const [row] = await run<
    StoreMeta & {
      found_category_id: number | null;
      post_slot: number | null;
      post_category_id: number | null;
      fields: Uint8Array | null;
      base: Uint8Array | null;
      vector: Uint8Array | null;
      complete: number | null;
      weighed_at: string | null;
      page: number | null;
      categories: Uint8Array | null;
      thresholds: Uint8Array | null;
    }
  >(
    db,
    (s) =>
      `select ${META_COLUMNS.map((c) => `m.${c}`).join(', ')},` +
      ` (select category_id from related_store_categories where category = ${s.bind(category)}) as found_category_id,` +
      ' p.slot as post_slot, p.category_id as post_category_id, p.fields, p.base, p.vector, p.complete, p.weighed_at,' +
      ' sp.page, sp.categories, sp.thresholds' +
      ` from related_store_meta m left join related_store_posts p on p.post_id = ${s.bind(postId)}` +
      // The cast: better-sqlite3 binds a JS number as a double, which makes SQLite divide exactly.
      ` left join related_store_slot_pages sp on sp.page = cast(m.next_slot / ${s.bind(slotsPerPage)} as integer)` +
      ' where m.id = 1',
  );
  if (row === undefined) return undefined;
  const meta = Object.fromEntries(META_COLUMNS.map((c) => [c, row[c]])) as unknown as StoreMeta;
  return {
    meta,
    categoryId: row.found_category_id ?? undefined,
    post:
      row.post_slot === null
        ? undefined
        : {
            post_id: postId,
            slot: row.post_slot,
            category_id: row.post_category_id,
            fields: row.fields!,
            base: row.base!,
            vector: row.vector!,
            complete: row.complete!,
            weighed_at: row.weighed_at!,
          },
    nextSlotPage:
      row.page === null ? undefined : { page: row.page, categories: row.categories!, thresholds: row.thresholds! },
  };
}

export async function findMeta(db: Executor): Promise<StoreMeta | undefined> {
  const [row] = await run<StoreMeta>(
    db,
    () => `select ${META_COLUMNS.join(', ')} from related_store_meta where id = 1`,
  );
  return row;
}

export async function writeMeta(db: Executor, meta: StoreMeta): Promise<void> {
  await writeBack(db, {
    terms: [],
    postings: [],
    emptyPostings: [],
    posts: [],
    completeness: [],
    neighbors: [],
    listEnds: [],
    removedSlots: [],
    pages: [],
    meta,
  });
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
          `select term_id, term, document_frequency, collection_frequency from related_store_terms where term ${s.oneOf(chunk, 'text')}`,
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
          `select term_id, term, document_frequency, collection_frequency from related_store_terms where term_id ${s.oneOf(chunk, 'integer')}`,
      )),
    );
  }
  return rows.map((row) => ({ ...row, term_id: Number(row.term_id) }));
}

/**
 * The term rows of `termIds` and the posting rows of `features` (of `kind`), in one statement (a
 * union told apart by `term`, null on posting rows): an upsert's expansion needs the text of a
 * few feedback terms, and the ranked postings of the features it may keep, one after the other.
 */
export async function findTermsAndPostings(
  db: Executor,
  termIds: readonly number[],
  kind: number,
  features: readonly number[],
): Promise<{ terms: TermRow[]; postings: PostingRow[] }> {
  if (termIds.length > CHUNK || features.length > CHUNK) {
    return { terms: await findTermsById(db, termIds), postings: await findPostings(db, kind, features) };
  }
  const rows = await run<{
    id: number;
    term: string | null;
    document_frequency: number | null;
    collection_frequency: number | null;
    entries: Uint8Array | null;
  }>(
    db,
    (s) =>
      'select term_id as id, term, document_frequency, collection_frequency, null as entries from related_store_terms' +
      ` where term_id ${s.oneOf(termIds, 'integer')}` +
      ' union all select feature, null, null, null, entries from related_store_postings' +
      ` where kind = ${s.bind(kind)} and feature ${s.oneOf(features, 'integer')}`,
  );
  const terms: TermRow[] = [];
  const postings: PostingRow[] = [];
  for (const row of rows) {
    if (row.term !== null) {
      terms.push({
        term_id: Number(row.id),
        term: row.term,
        document_frequency: row.document_frequency!,
        collection_frequency: row.collection_frequency!,
      });
    } else {
      postings.push({ feature: row.id, entries: row.entries! });
    }
  }
  return { terms, postings };
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

/**
 * The rows of the posts at `slots` and their neighbor rows (by slot, rank), in one statement: a
 * union of the two tables, told apart by `post_id` (null on neighbor rows).
 */
export async function findPostsWithNeighbors(
  db: Executor,
  slots: readonly number[],
): Promise<{ posts: PostRow[]; neighbors: NeighborRow[] }> {
  const posts: PostRow[] = [];
  const neighbors: NeighborRow[] = [];
  for (const chunk of chunks(slots, CHUNK / 2)) {
    const rows = await run<PostRow & { post_id: string | null } & NeighborRow>(
      db,
      (s) =>
        'select slot, post_id, category_id, fields, base, vector, complete, weighed_at,' +
        ' null as rank, null as neighbor_slot, null as neighbor_id, null as score' +
        ` from related_store_posts where slot ${s.oneOf(chunk, 'integer')}` +
        ' union all select slot, null, null, null, null, null, null, null, rank, neighbor_slot, neighbor_id, score' +
        ` from related_store_neighbors where slot ${s.oneOf(chunk, 'integer')}` +
        ' order by slot, rank',
    );
    for (const row of rows) {
      if (row.post_id !== null) {
        const { slot, post_id, category_id, fields, base, vector, complete, weighed_at } = row;
        posts.push({ slot, post_id, category_id, fields, base, vector, complete, weighed_at });
      } else {
        const { slot, rank, neighbor_slot, neighbor_id } = row;
        neighbors.push({ slot, rank, neighbor_slot, neighbor_id, score: Number(row.score) });
      }
    }
  }
  return { posts, neighbors };
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

export interface PostingRow {
  feature: number;
  entries: Uint8Array;
}

export async function findPostings(db: Executor, kind: number, features: readonly number[]): Promise<PostingRow[]> {
  const rows: PostingRow[] = [];
  for (const chunk of chunks(features, CHUNK)) {
    rows.push(
      ...(await run<PostingRow>(
        db,
        (s) =>
          `select feature, entries from related_store_postings where kind = ${s.bind(kind)} and feature ${s.oneOf(chunk, 'integer')}`,
      )),
    );
  }
  return rows;
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

/** Everything an operation writes back (each row at most once, so the parts touch disjoint rows). */
export interface StoreWrites {
  terms: readonly TermRow[];
  postings: readonly { kind: number; feature: number; entries: Uint8Array }[];
  /** Posting lists left empty, deleted. */
  emptyPostings: readonly { kind: number; features: readonly number[] }[];
  /** Posts whose fields, vectors, category or weighing changed: whole rows. */
  posts: readonly PostRow[];
  /** Posts of which only `complete` changed. */
  completeness: readonly { slot: number; complete: number }[];
  /** Neighbor rows that differ from the stored ones (new, or another neighbor or score). */
  neighbors: readonly NeighborRow[];
  /** Lists that got shorter (or went, length 0): their rows at rank `length` and beyond are deleted. */
  listEnds: readonly { slot: number; length: number }[];
  removedSlots: readonly number[];
  pages: readonly SlotPageRow[];
  meta: StoreMeta;
}

/** One statement of a write-back and the number of values it binds. */
interface WritePart {
  values: number;
  write: (s: Statement) => string;
}

// Values per statement when PostgreSQL gets the parts of a write-back as one statement.
const STATEMENT_VALUES = 30_000;

/**
 * Parts that insert `rows` into `table`, or update the `update` columns of a row whose `key`
 * exists: as many rows a statement as fit INSERT_VALUES. Table and column names are this file's
 * constants; only the rows' values are bound.
 */
function upsertParts<R, C extends keyof R & string>(
  parts: WritePart[],
  rows: readonly R[],
  table: string,
  columns: readonly C[],
  key: readonly C[],
  update: readonly C[],
): void {
  const conflict = ` on conflict (${key.join(', ')}) do update set ${update.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  for (const chunk of chunks(rows, insertChunk(columns.length))) {
    parts.push({
      values: chunk.length * columns.length,
      write: (s) =>
        `insert into ${table} (${columns.join(', ')}) values ` +
        chunk.map((row) => `(${s.list(columns.map((c) => row[c]))})`).join(', ') +
        conflict,
    });
  }
}

function writeParts(w: StoreWrites): WritePart[] {
  const parts: WritePart[] = [];
  upsertParts(
    parts,
    w.terms,
    'related_store_terms',
    ['term_id', 'term', 'document_frequency', 'collection_frequency'],
    ['term_id'],
    ['document_frequency', 'collection_frequency'],
  );
  for (const { kind, features } of w.emptyPostings) {
    for (const chunk of chunks(features, CHUNK)) {
      parts.push({
        values: chunk.length + 1,
        write: (s) =>
          `delete from related_store_postings where kind = ${s.bind(kind)} and feature in (${s.list(chunk)})`,
      });
    }
  }
  upsertParts(
    parts,
    w.postings,
    'related_store_postings',
    ['kind', 'feature', 'entries'],
    ['kind', 'feature'],
    ['entries'],
  );
  upsertParts(
    parts,
    w.posts,
    'related_store_posts',
    ['post_id', 'slot', 'category_id', 'fields', 'base', 'vector', 'complete', 'weighed_at'],
    ['post_id'],
    ['category_id', 'fields', 'base', 'vector', 'complete', 'weighed_at'],
  );
  for (const complete of [0, 1]) {
    const slots = w.completeness.filter((c) => c.complete === complete).map((c) => c.slot);
    for (const chunk of chunks(slots, CHUNK)) {
      parts.push({
        values: chunk.length + 1,
        write: (s) => `update related_store_posts set complete = ${s.bind(complete)} where slot in (${s.list(chunk)})`,
      });
    }
  }
  for (const chunk of chunks(w.listEnds, CHUNK / 2)) {
    parts.push({
      values: chunk.length * 2,
      write: (s) =>
        'delete from related_store_neighbors where ' +
        chunk.map(({ slot, length }) => `(slot = ${s.bind(slot)} and rank >= ${s.bind(length)})`).join(' or '),
    });
  }
  upsertParts(
    parts,
    w.neighbors,
    'related_store_neighbors',
    ['slot', 'rank', 'neighbor_slot', 'neighbor_id', 'score'],
    ['slot', 'rank'],
    ['neighbor_slot', 'neighbor_id', 'score'],
  );
  for (const chunk of chunks(w.removedSlots, CHUNK)) {
    parts.push({
      values: chunk.length,
      write: (s) => `delete from related_store_posts where slot in (${s.list(chunk)})`,
    });
  }
  upsertParts(
    parts,
    w.pages,
    'related_store_slot_pages',
    ['page', 'categories', 'thresholds'],
    ['page'],
    ['categories', 'thresholds'],
  );
  const meta = w.meta;
  parts.push({
    values: META_COLUMNS.length,
    write: (s) =>
      `insert into related_store_meta (id, ${META_COLUMNS.join(', ')})` +
      ` values (1, ${s.list(META_COLUMNS.map((c) => meta[c]))})` +
      ` on conflict (id) do update set ${META_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  });
  return parts;
}

/**
 * Writes back what an operation changed. SQLite runs each part as a statement of its own (no
 * round trips to save). PostgreSQL gets the parts as data-modifying WITH clauses of one
 * statement (as many as fit its values), one round trip instead of one per table: they see one
 * snapshot and run in no fixed order, which is why each row is written by one part at most and
 * a shorter list deletes its tail instead of all its rows before inserting.
 */
export async function writeBack(db: Executor, writes: StoreWrites): Promise<void> {
  const parts = writeParts(writes);
  if (!isPostgres(db)) {
    for (const part of parts) await run(db, part.write);
    return;
  }
  let batch: WritePart[] = [];
  let values = 0;
  const send = async (): Promise<void> => {
    const sent = batch;
    batch = [];
    values = 0;
    await run(db, (s) => {
      const texts = sent.map((part) => part.write(s));
      const last = texts.pop()!;
      return texts.length === 0 ? last : `with ${texts.map((text, i) => `w${i} as (${text})`).join(', ')} ${last}`;
    });
  };
  for (const part of parts) {
    if (batch.length > 0 && values + part.values > STATEMENT_VALUES) await send();
    batch.push(part);
    values += part.values;
  }
  await send();
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
