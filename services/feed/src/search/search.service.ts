import type { SearchPageView } from '@careerfeed/core';
import { MAX_SEARCH_QUERY_LENGTH, findPopularTags, searchPosts } from '@careerfeed/posts';
import { type PagesDeps, buildSiteView } from '../pages/pages.service';

/** Results per page of /search. */
export const SEARCH_PAGE_SIZE = 10;
/** Pages past this show "no more results": nobody reads result 500, and deep offsets cost. */
export const MAX_SEARCH_PAGE = 50;

const SUGGESTED_TOPICS = 8;

function now(deps: PagesDeps): Date {
  return deps.now?.() ?? new Date();
}

/** `GET /v1/search`: the best `limit` visible posts for `query`. */
export async function searchApi(deps: PagesDeps, query: string, limit: number) {
  const page = await searchPosts(deps.db, deps.publicBaseUrl, { query, limit, offset: 0, now: now(deps) });
  return {
    items: page.results.map((r) => ({
      id: r.id,
      url: r.url,
      title: r.title,
      snippet: r.snippetHtml,
      published_at: r.publishedAt,
    })),
  };
}

/** The view of `/search?q=…&page=…`; `error` when the request was refused (the page is then a 400). */
export async function buildSearchPage(
  deps: PagesDeps,
  input: { query: string; page: number; error?: string },
): Promise<SearchPageView> {
  const site = await buildSiteView(deps);
  const base = `${site.homeUrl}search?q=${encodeURIComponent(input.query)}`;
  const pageUrl = (page: number) => (page > 1 ? `${base}&page=${page}` : base);
  const empty = { terms: [], results: [], hasMore: false };
  const found =
    input.error || input.query.trim() === '' || input.page > MAX_SEARCH_PAGE
      ? empty
      : await searchPosts(deps.db, deps.publicBaseUrl, {
          query: input.query,
          limit: SEARCH_PAGE_SIZE,
          offset: (input.page - 1) * SEARCH_PAGE_SIZE,
          now: now(deps),
        });
  const needsSuggestions = found.results.length === 0;
  const tags = needsSuggestions ? await findPopularTags(deps.db.kysely, now(deps).toISOString(), SUGGESTED_TOPICS) : [];
  return {
    site,
    query: input.query,
    terms: found.terms,
    results: found.results.map((r) => ({
      url: r.url,
      titleHtml: r.titleHtml,
      snippetHtml: r.snippetHtml,
      published: r.publishedAt,
      author: r.author,
    })),
    firstPosition: (input.page - 1) * SEARCH_PAGE_SIZE + 1,
    pagination: {
      page: input.page,
      ...(input.page > 1 && found.results.length > 0 ? { newerUrl: pageUrl(input.page - 1) } : {}),
      ...(found.hasMore && input.page < MAX_SEARCH_PAGE ? { olderUrl: pageUrl(input.page + 1) } : {}),
    },
    suggestions: tags.map((t) => ({ title: t.name, url: `${deps.publicBaseUrl}/tags/${encodeURIComponent(t.slug)}/` })),
    maxQueryLength: MAX_SEARCH_QUERY_LENGTH,
    ...(input.error ? { error: input.error } : {}),
  };
}
