import type { ListPageView } from './page-model';
import { link, text } from './html';
import { feedDiscoveryLinks, renderLayout } from './layout';
import { renderAuthorBox } from './author-box';
import {
  paginationHeadLinks,
  renderEmbedSnippet,
  renderFeedAddresses,
  renderPagination,
  renderPostList,
} from './post-list';

function headingOf(view: ListPageView): string {
  switch (view.kind) {
    case 'tag':
      return `Posts tagged “${view.name}”`;
    case 'category':
      return `Posts in “${view.name}”`;
    case 'author':
      return `Posts by ${view.name}`;
  }
}

/** A tag, category or author page: its posts, newest first, and its own feeds. */
export function renderListPage(view: ListPageView): string {
  const { site, pagination } = view;
  const heading = headingOf(view);
  const pageNote = pagination.page > 1 ? ` (page ${pagination.page})` : '';
  const main = [
    `<h1>${text(heading)}${text(pageNote)}</h1>`,
    view.author ? renderAuthorBox(view.author, 'About the author') : '',
    view.topicUrl
      ? `<p class="meta">${link(view.topicUrl, `All posts about ${view.name}`)}, tagged or filed under it.</p>`
      : '',
    renderPostList(view.posts, site.language, 2),
    renderPagination(pagination),
    '<section aria-labelledby="follow">',
    `<h2 id="follow">Follow these posts</h2>`,
    '<p>Paste one of these addresses into a feed reader to get new posts from this page only:</p>',
    renderFeedAddresses(view.feeds),
    '</section>',
    view.embedSnippet ? renderEmbedSnippet(view.embedSnippet) : '',
  ];
  return renderLayout({
    site,
    title: `${heading}${pageNote} · ${site.title}`,
    description: view.author?.bio || `${heading} on ${site.title}`,
    canonicalUrl: view.url,
    head: [...feedDiscoveryLinks(view.feeds), ...paginationHeadLinks(pagination)],
    main: main.filter((line) => line !== '').join('\n'),
  });
}
