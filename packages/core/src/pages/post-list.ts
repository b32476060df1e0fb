import type { FeedLinkView, PaginationView, PostSummaryView } from './page-model';
import { attr, httpUrl, link, text, time } from './html';
import { FEED_FORMAT_NAMES } from './layout';

/** Newest first, each with its date, author and excerpt. `level` keeps the heading outline unbroken. */
export function renderPostList(posts: PostSummaryView[], language: string, level: 2 | 3): string {
  if (posts.length === 0) return '<p>No posts yet.</p>';
  const items = posts.map(
    (post) =>
      `<li><article>` +
      `<h${level}>${link(post.url, post.title)}</h${level}>` +
      `<p class="meta">${time(post.published, language)} · by ${link(post.author.url, post.author.name)}</p>` +
      (post.excerpt ? `<p>${text(post.excerpt)}</p>` : '') +
      `</article></li>`,
  );
  return `<ol class="posts">\n${items.join('\n')}\n</ol>`;
}

export function renderPagination(pagination: PaginationView): string {
  const newer = httpUrl(pagination.newerUrl);
  const older = httpUrl(pagination.olderUrl);
  if (newer === null && older === null) return '';
  return (
    '<nav class="pagination" aria-label="Pagination">' +
    (newer ? `<a rel="prev" href="${attr(newer)}">← Newer posts</a>` : '') +
    (older ? `<a rel="next" href="${attr(older)}">Older posts →</a>` : '') +
    '</nav>'
  );
}

/** `<link rel="prev|next">` for crawlers and reader modes. */
export function paginationHeadLinks(pagination: PaginationView): string[] {
  const newer = httpUrl(pagination.newerUrl);
  const older = httpUrl(pagination.olderUrl);
  return [
    ...(newer ? [`<link rel="prev" href="${attr(newer)}">`] : []),
    ...(older ? [`<link rel="next" href="${attr(older)}">`] : []),
  ];
}

/** The feed addresses spelled out, so a reader can copy one into an app. */
export function renderFeedAddresses(feeds: FeedLinkView[]): string {
  const items = feeds.flatMap((feed) => {
    const url = httpUrl(feed.url);
    if (url === null) return [];
    return [
      `<li><strong>${FEED_FORMAT_NAMES[feed.format]}</strong>: <a href="${attr(url)}"><code>${text(url)}</code></a></li>`,
    ];
  });
  return `<ul class="feeds">\n${items.join('\n')}\n</ul>`;
}

/** The copy-paste snippet that shows a list's posts on another site (`/embed.js`), as text in a code box. */
export function renderEmbedSnippet(snippet: string): string {
  return (
    '<section aria-labelledby="embed"><h2 id="embed">Show these posts on your site</h2>' +
    '<p>Paste this into a page of your site (it can be styled with CSS custom properties):</p>' +
    // Focusable: the line is wider than a phone, and a scrollable region must be reachable by keyboard.
    `<pre tabindex="0" aria-label="Embed code"><code>${text(snippet)}</code></pre></section>`
  );
}
