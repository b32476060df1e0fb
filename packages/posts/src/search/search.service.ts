import type { Db } from '@careerfeed/db';
import { postUrl } from '../posts/post-url';
import { searchEngineFor } from './search.repository';
import { buildSnippet, highlightText } from './snippet';
import { toSearchTerms } from './search-terms';

export interface SearchResult {
  id: string;
  url: string;
  /** Plain text. */
  title: string;
  /** HTML: the escaped title with matching words in `<mark>`. */
  titleHtml: string;
  /** HTML: escaped body text around the matches, matching words in `<mark>`. */
  snippetHtml: string;
  /** RFC 3339 with the author's offset. */
  publishedAt: string;
  author: { name: string; url: string };
}

export interface SearchPage {
  /** The words searched for (empty when the query held none). */
  terms: string[];
  results: SearchResult[];
  /** Whether results past this page exist. */
  hasMore: boolean;
}

export interface SearchPostsInput {
  query: string;
  limit: number;
  offset: number;
  now: Date;
}

/** Visible posts matching every word of `query`, best first, with highlighted snippets. */
export async function searchPosts(db: Db, publicBaseUrl: string, input: SearchPostsInput): Promise<SearchPage> {
  const terms = toSearchTerms(input.query);
  // One row more than asked tells whether another page exists.
  const rows = await searchEngineFor(db.dialect).findMatchingPosts(db.kysely, terms, {
    nowUtc: input.now.toISOString(),
    limit: input.limit + 1,
    offset: input.offset,
  });
  return {
    terms,
    hasMore: rows.length > input.limit,
    results: rows.slice(0, input.limit).map((row) => ({
      id: row.id,
      url: postUrl(publicBaseUrl, row.slug),
      title: row.title,
      titleHtml: highlightText(row.title, terms),
      snippetHtml: buildSnippet(row.text_content, terms),
      // Visible posts always have a publication time.
      publishedAt: row.published_at ?? '',
      author: { name: row.author_name, url: `${publicBaseUrl}/authors/${encodeURIComponent(row.author_slug)}/` },
    })),
  };
}
