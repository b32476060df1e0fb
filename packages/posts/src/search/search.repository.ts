import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, Dialect } from '@careerfeed/db';
import { visiblePostsAt } from '../posts/visibility';
import { toFts5Match } from './search-terms';

/**
 * One interface, two engines: SQLite's FTS5 and PostgreSQL's full-text search each answer "the
 * visible posts matching every term, best first". Both index the same four fields (title,
 * topics, author name, body; see migration 0012).
 *
 * "Best" is defined so that both engines compute exactly the same score: which fields hold a
 * query word — title 8, topics 4, author 2 (the body, where every other match is, 0) — then the
 * newest post, then the id. Engine relevance functions (bm25, ts_rank) weigh term frequency and
 * length each in their own way and would order the same posts differently on the two databases;
 * on a blog, "matches in the title, newest first" is also what readers expect. The score reads
 * only the small fields, so ranking a common word's many matches stays cheap.
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

/**
 * The page of results, ranked by `ranked` (rows of post id and score), with what the page shows.
 * CROSS JOIN fixes SQLite's join order (the few ranked rows drive, posts are looked up by key;
 * left to itself it scanned every visible post); PostgreSQL plans it as the inner join it is.
 */
function pageOf(ranked: RawBuilder<unknown>, nowUtc: string) {
  return sql<SearchHitRow>`
    select posts.id, posts.slug, posts.title, posts.text_content, posts.published_at,
      authors.name as author_name, authors.slug as author_slug
    from (${ranked}) ranked
    cross join posts
    cross join authors
    where posts.id = ranked.post_id and authors.id = posts.author_id and ${visiblePostsAt(nowUtc)}
    order by ranked.score desc, posts.published_at_utc desc, posts.id desc`;
}

/**
 * FTS5: the matches that also hold any of the terms in this column (a column filter over an OR of
 * quoted terms), so the set is never larger than the matches even when a term is in every title.
 */
function matchesWithAnyTermIn(column: 'title' | 'topics' | 'author', terms: string[]): string {
  return `${toFts5Match(terms)} AND {${column}} : (${toFts5Match(terms).split(' ').join(' OR ')})`;
}

/**
 * Each MATCH is read from the FTS5 index alone (the table stores no text): the matches, then the
 * matches among titles, topics and authors for the score. The visibility rule is applied to the
 * copies of status and publication time kept in post_search_documents (the same rule as
 * visiblePostsAt, which the page query applies again to the posts themselves).
 */
export const sqliteFts5Engine: PostSearchEngine = {
  name: 'sqlite-fts5',
  async findMatchingPosts(db, terms, { nowUtc, limit, offset }) {
    if (terms.length === 0) return [];
    const matching = (expression: string) =>
      sql`(select rowid as doc_id from post_search_index where post_search_index match ${expression})`;
    const ranked = sql`
      with found as materialized ${matching(toFts5Match(terms))},
        in_title as materialized ${matching(matchesWithAnyTermIn('title', terms))},
        in_topics as materialized ${matching(matchesWithAnyTermIn('topics', terms))},
        in_author as materialized ${matching(matchesWithAnyTermIn('author', terms))}
      select d.post_id,
        (case when found.doc_id in (select doc_id from in_title) then 8 else 0 end
          + case when found.doc_id in (select doc_id from in_topics) then 4 else 0 end
          + case when found.doc_id in (select doc_id from in_author) then 2 else 0 end) as score
      from found cross join post_search_documents d
      where d.doc_id = found.doc_id and d.status = 'published' and d.published_at_utc <= ${nowUtc}
      order by score desc, d.published_at_utc desc, d.post_id desc
      limit ${limit} offset ${offset}`;
    return (await pageOf(ranked, nowUtc).execute(db)).rows;
  },
};

/**
 * The terms reach plainto_tsquery one at a time as plain words, so no tsquery operator can come
 * from a reader; `&&` joins them into "all of them" (the match, on the whole document) and `||`
 * into "any of them" (the score, on `heading` filtered to one weight: A title, B topics, C author).
 */
export const postgresFullTextEngine: PostSearchEngine = {
  name: 'postgres-tsvector',
  async findMatchingPosts(db, terms, { nowUtc, limit, offset }) {
    if (terms.length === 0) return [];
    const each = terms.map((t) => sql`plainto_tsquery('careerfeed_search', ${t})`);
    const all = sql.join(each, sql` && `);
    const any = sql`(${sql.join(each, sql` || `)})`;
    const heading = sql`post_search_documents.heading`;
    const ranked = sql`
      select post_search_documents.post_id,
        (case when ts_filter(${heading}, '{a}') @@ ${any} then 8 else 0 end
          + case when ts_filter(${heading}, '{b}') @@ ${any} then 4 else 0 end
          + case when ts_filter(${heading}, '{c}') @@ ${any} then 2 else 0 end) as score
      from post_search_documents
      join posts on posts.id = post_search_documents.post_id
      where post_search_documents.document @@ (${all}) and ${visiblePostsAt(nowUtc)}
      order by score desc, posts.published_at_utc desc, posts.id desc
      limit ${limit} offset ${offset}`;
    return (await pageOf(ranked, nowUtc).execute(db)).rows;
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
