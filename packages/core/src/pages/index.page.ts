import type { IndexPageView } from './page-model';
import { httpUrl, link, text } from './html';
import { feedDiscoveryLinks, renderLayout } from './layout';
import { renderCompactSubscribeForm } from './subscription.pages';
import { paginationHeadLinks, renderFeedAddresses, renderPagination, renderPostList } from './post-list';

/** The home page: latest posts, and how to follow the blog in words anyone can act on. */
export function renderIndexPage(view: IndexPageView): string {
  const { site, pagination } = view;
  const pageNote = pagination.page > 1 ? ` (page ${pagination.page})` : '';
  const subscribe = httpUrl(view.emailSubscribeUrl);
  const main = [
    `<h1>${text(site.title)}</h1>`,
    site.description ? `<p>${text(site.description)}</p>` : '',
    '<section aria-labelledby="latest">',
    `<h2 id="latest">Latest posts${text(pageNote)}</h2>`,
    renderPostList(view.posts, site.language, 3),
    renderPagination(pagination),
    '</section>',
    '<section aria-labelledby="follow">',
    '<h2 id="follow">How to follow this blog</h2>',
    '<p>You do not need an account here. A feed reader (an app such as NetNewsWire, Feedly, Inoreader or ' +
      'Thunderbird) checks this blog for you and shows each new post as it appears. In your reader, choose ' +
      '“Add feed” or “Subscribe” and paste one of these addresses. If you are not sure which, take the first: ' +
      'every reader understands it.</p>',
    renderFeedAddresses(site.feeds),
    `<p>Only interested in one topic or one author? Pick one from ${link(`${site.homeUrl}topics/`, 'all topics')}, or ` +
      'open an author page: each has its own feeds, listed on that page.</p>',
    subscribe ? `<p>Prefer email? ${link(subscribe, 'Get the new posts in a daily or weekly email')}.</p>` : '',
    subscribe ? renderCompactSubscribeForm({ subscribeUrl: subscribe, topics: [] }) : '',
    '</section>',
  ];
  return renderLayout({
    site,
    title: `${site.title}${pageNote}`,
    description: site.description || undefined,
    canonicalUrl: view.url,
    head: [...feedDiscoveryLinks(site.feeds), ...paginationHeadLinks(pagination)],
    main: main.filter((line) => line !== '').join('\n'),
    guessTimeZone: subscribe !== null,
  });
}
