import type { PaginationView, SiteView } from './page-model';
import { attr, httpUrl, link, text, time } from './html';
import { renderLayout } from './layout';
import { paginationHeadLinks } from './post-list';

/** One search result. `titleHtml` and `snippetHtml` are escaped text with `<mark>` around matches. */
export interface SearchResultView {
  url: string;
  titleHtml: string;
  snippetHtml: string;
  published: string;
  author: { name: string; url: string };
}

export interface SearchPageView {
  site: SiteView;
  /** The query as typed ('' when none). */
  query: string;
  /** The words searched for; empty when the query held none. */
  terms: string[];
  results: SearchResultView[];
  /** Position of the first result on this page (1-based). */
  firstPosition: number;
  pagination: PaginationView;
  /** Why the query was refused (too long, malformed), shown above the form; the page is then a 400. */
  error?: string;
  /** Most-used topics, offered as a way in when there is nothing to show. */
  suggestions: { title: string; url: string }[];
  maxQueryLength: number;
}

/** The search page's own form: the header's box is left out of this page. */
function searchForm(view: SearchPageView, action: string): string {
  return (
    `<form role="search" class="search" action="${attr(action)}" method="get">` +
    '<label for="search-q">Search posts by word, topic or author</label>' +
    '<div class="search-row">' +
    `<input type="search" id="search-q" name="q" value="${attr(view.query)}" maxlength="${view.maxQueryLength}"` +
    ' autocomplete="off" enterkeyhint="search">' +
    '<button type="submit">Search</button>' +
    '</div></form>'
  );
}

function suggestions(view: SearchPageView): string {
  if (view.suggestions.length === 0) return '';
  const items = view.suggestions.map((s) => `<li>${link(s.url, s.title)}</li>`).join('');
  return `<p>Or browse a topic:</p><ul class="tags">${items}</ul>`;
}

function renderResults(view: SearchPageView): string {
  const items = view.results.map((r) => {
    const url = httpUrl(r.url);
    const title = url ? `<a href="${attr(url)}">${r.titleHtml}</a>` : r.titleHtml;
    return (
      '<li><article>' +
      `<h2>${title}</h2>` +
      `<p class="meta">${time(r.published, view.site.language)} · by ${link(r.author.url, r.author.name)}</p>` +
      (r.snippetHtml ? `<p>${r.snippetHtml}</p>` : '') +
      '</article></li>'
    );
  });
  return `<ol class="posts" start="${view.firstPosition}">\n${items.join('\n')}\n</ol>`;
}

function renderSearchPagination(pagination: PaginationView): string {
  const previous = httpUrl(pagination.newerUrl);
  const more = httpUrl(pagination.olderUrl);
  if (previous === null && more === null) return '';
  return (
    '<nav class="pagination" aria-label="More results">' +
    (previous ? `<a rel="prev" href="${attr(previous)}">← Previous results</a>` : '') +
    (more ? `<a rel="next" href="${attr(more)}">More results →</a>` : '') +
    '</nav>'
  );
}

/**
 * `/search`: the form, then one of four states — nothing asked yet, a query with no words in it,
 * no match (with what to try next), or the results, best first, ten at a time. Works without
 * JavaScript; never indexed (result pages are endless and thin).
 */
export function renderSearchPage(view: SearchPageView): string {
  const { site } = view;
  const action = `${site.homeUrl}search`;
  const asked = view.query.trim() !== '';
  const quoted = `“${view.query.trim()}”`;
  let body: string;
  if (view.error) {
    body = '';
  } else if (!asked) {
    body = `<p>Find posts by a word in their title or text, a topic, or an author’s name.</p>${suggestions(view)}`;
  } else if (view.terms.length === 0) {
    body = `<p>${text(quoted)} has no words to search for. Type letters or numbers, such as <em>resume</em> or <em>internship</em>.</p>`;
  } else if (view.results.length === 0 && view.pagination.page > 1) {
    body = `<p>No more results for ${text(quoted)}.</p><p>${link(`${action}?q=${encodeURIComponent(view.query)}`, 'Back to the first results')}</p>`;
  } else if (view.results.length === 0) {
    body =
      `<p>No posts match ${text(quoted)}.</p>` +
      '<ul class="hint">' +
      '<li>Every word must appear in a post: try fewer words, or a more general one (<em>interview</em> rather than <em>behavioral interview questions</em>).</li>' +
      '<li>Check the spelling.</li>' +
      `<li>${link(site.homeUrl, 'See the latest posts')} instead.</li>` +
      '</ul>' +
      suggestions(view);
  } else {
    const last = view.firstPosition + view.results.length - 1;
    body =
      `<p class="meta" role="status">Results ${view.firstPosition}–${last} for ${text(quoted)}, best matches first</p>` +
      renderResults(view) +
      renderSearchPagination(view.pagination);
  }
  const heading = asked && !view.error ? `Search results for ${quoted}` : 'Search';
  const pageNote = view.pagination.page > 1 ? ` (page ${view.pagination.page})` : '';
  return renderLayout({
    site,
    title: `${heading}${pageNote} · ${site.title}`,
    noindex: true,
    searchBox: false,
    head: paginationHeadLinks(view.pagination),
    main: [
      `<h1>${text(heading)}${text(pageNote)}</h1>`,
      view.error ? `<p class="errors" role="alert">${text(view.error)}</p>` : '',
      searchForm(view, action),
      body,
    ]
      .filter((part) => part !== '')
      .join('\n'),
  });
}
