import { type Kysely, sql } from 'kysely';
import type { Database, Dialect } from '@careerfeed/db';
import { visiblePostsAt } from '../posts/visibility';
import { toFts5Match } from './search-terms';

/**
 * One interface, two engines: SQLite's FTS5 and PostgreSQL's full-text search each answer "the
 * visible posts matching every term, best first". Both index the same four fields (title,
 * topics, author name, body; see migration 0012).
 *
 * "Best" is defined so that both engines compute exactly the same score: which fields hold a
 * query word — title 8, topics 4, author 2, body 1 — then the newest post, then the id. Engine
 * relevance functions (bm25, ts_rank) weigh term frequency and length each in their own way, and
 * would order the same posts differently on the two databases; on a blog, "matches in the title,
 * newest first" is also what readers expect.
 */

export interface SearchHitRow {
  id: string;
  slug: string;
  title: string;
  text_content: string;
  published_at: string | null;
  author_name: string;
  author_slug: string;
}

export interface SearchWindow {
  /** ISO 8601 UTC: only posts visible at this instant. */
  nowUtc: string;
  limit: number;
  offset: number;
}

export interface PostSearchEngine {
  readonly name: string;
  findMatchingPosts(db: Kysely<Database>, terms: string[], window: SearchWindow): Promise<SearchHitRow[]>;
}

const COLUMNS = sql`posts.id, posts.slug, posts.title, posts.text_content, posts.published_at,
  authors.name as author_name, authors.slug as author_slug`;

/**
 * bm25 with a single non-zero column weight is negative exactly when that column (title, topics,
 * author, body, in that order) holds a query word: a per-field "matches" test FTS5 can answer from
 * its index alone (the table stores no text).
 */
const SQLITE_SCORE = sql`(case when bm25(post_search_index, 1, 0, 0, 0) < 0 then 8 else 0 end
  + case when bm25(post_search_index, 0, 1, 0, 0) < 0 then 4 else 0 end
  + case when bm25(post_search_index, 0, 0, 1, 0) < 0 then 2 else 0 end
  + case when bm25(post_search_index, 0, 0, 0, 1) < 0 then 1 else 0 end)`;

export const sqliteFts5Engine: PostSearchEngine = {
  name: 'sqlite-fts5',
  async findMatchingPosts(db, terms, { nowUtc, limit, offset }) {
    if (terms.length === 0) return [];
    const result = await sql<SearchHitRow>`
      select ${COLUMNS}
      from post_search_index
      join post_search_documents on post_search_documents.doc_id = post_search_index.rowid
      join posts on posts.id = post_search_documents.post_id
      join authors on authors.id = posts.author_id
      where post_search_index match ${toFts5Match(terms)} and ${visiblePostsAt(nowUtc)}
      order by ${SQLITE_SCORE} desc, posts.published_at_utc desc, posts.id desc
      limit ${limit} offset ${offset}`.execute(db);
    return result.rows;
  },
};

/**
 * The terms reach plainto_tsquery one at a time as plain words, so no tsquery operator can come
 * from a reader; `&&` joins them into "all of them" (the match) and `||` into "any of them" (the
 * per-field score, on the document filtered to one weight: A title, B topics, C author, D body).
 */
export const postgresFullTextEngine: PostSearchEngine = {
  name: 'postgres-tsvector',
  async findMatchingPosts(db, terms, { nowUtc, limit, offset }) {
    if (terms.length === 0) return [];
    const each = terms.map((t) => sql`plainto_tsquery('careerfeed_search', ${t})`);
    const all = sql.join(each, sql` && `);
    const any = sql`(${sql.join(each, sql` || `)})`;
    const doc = sql`post_search_documents.document`;
    const score = sql`(case when ts_filter(${doc}, '{a}') @@ ${any} then 8 else 0 end
      + case when ts_filter(${doc}, '{b}') @@ ${any} then 4 else 0 end
      + case when ts_filter(${doc}, '{c}') @@ ${any} then 2 else 0 end
      + case when ts_filter(${doc}, '{d}') @@ ${any} then 1 else 0 end)`;
    const result = await sql<SearchHitRow>`
      select ${COLUMNS}
      from post_search_documents
      join posts on posts.id = post_search_documents.post_id
      join authors on authors.id = posts.author_id
      where ${doc} @@ (${all}) and ${visiblePostsAt(nowUtc)}
      order by ${score} desc, posts.published_at_utc desc, posts.id desc
      limit ${limit} offset ${offset}`.execute(db);
    return result.rows;
  },
};

export function searchEngineFor(dialect: Dialect): PostSearchEngine {
  return dialect === 'postgres' ? postgresFullTextEngine : sqliteFts5Engine;
}

/** The tags on the most visible posts, most used first: ways in when a search finds nothing. */
export async function findPopularTags(
  db: Kysely<Database>,
  nowUtc: string,
  limit: number,
): Promise<{ slug: string; name: string }[]> {
  return db
    .selectFrom('post_tags')
    .innerJoin('posts', 'posts.id', 'post_tags.post_id')
    .innerJoin('tags', 'tags.slug', 'post_tags.tag_slug')
    .where(visiblePostsAt(nowUtc))
    .groupBy(['tags.slug', 'tags.name'])
    .select(['tags.slug', 'tags.name'])
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('tags.slug')
    .limit(limit)
    .execute();
}
