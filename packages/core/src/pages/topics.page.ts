import type { TopicPageView, TopicsIndexPageView } from './page-model';
import { link, text } from './html';
import { feedDiscoveryLinks, renderLayout } from './layout';
import {
  paginationHeadLinks,
  renderEmbedSnippet,
  renderFeedAddresses,
  renderPagination,
  renderPostList,
} from './post-list';
import { renderSubscribeBox } from './subscription.pages';

function postCount(n: number): string {
  return `${n} ${n === 1 ? 'post' : 'posts'}`;
}

/** /topics/: every topic with posts, in its group, with how many posts it holds. */
export function renderTopicsIndexPage(view: TopicsIndexPageView): string {
  const { site } = view;
  const groups = view.groups.map((group, i) =>
    [
      `<section aria-labelledby="group-${i}">`,
      `<h2 id="group-${i}">${text(group.label)}</h2>`,
      '<ul class="topic-index">',
      ...group.topics.map(
        (topic) =>
          `<li>${link(topic.url, topic.label)} <span class="count">${text(postCount(topic.posts))}</span></li>`,
      ),
      '</ul>',
      '</section>',
    ].join('\n'),
  );
  const main = [
    '<h1>Topics</h1>',
    `<p>Every topic on ${text(site.title)}. Each topic page lists its posts and has its own feeds; ` +
      `${link(view.subscribeUrl, 'get the topics you choose by email')}, or add ` +
      `${link(view.opmlUrl, 'every feed at once (OPML)')} to a feed reader.</p>`,
    groups.length > 0 ? groups.join('\n') : '<p>No topics yet: posts will appear here once they are published.</p>',
  ];
  return renderLayout({
    site,
    title: `Topics · ${site.title}`,
    description: `Every topic on ${site.title}, with its posts and feeds.`,
    canonicalUrl: view.url,
    head: feedDiscoveryLinks(site.feeds),
    main: main.join('\n'),
  });
}

/** /topics/{slug}/: the posts of a topic (its tag's and its category's), its feeds, and an email box. */
export function renderTopicPage(view: TopicPageView): string {
  const { site, pagination } = view;
  const pageNote = pagination.page > 1 ? ` (page ${pagination.page})` : '';
  const narrower = view.narrower.map((l) => link(l.url, l.title)).join(' · ');
  const main = [
    `<h1>${text(view.name)}${text(pageNote)}</h1>`,
    `<p class="meta">${text(postCount(view.total))} · ${link(`${site.homeUrl}topics/`, 'All topics')}</p>`,
    renderPostList(view.posts, site.language, 2),
    renderPagination(pagination),
    '<section aria-labelledby="follow">',
    '<h2 id="follow">Follow this topic</h2>',
    '<p>Paste one of these addresses into a feed reader to get new posts about this topic only:</p>',
    renderFeedAddresses(view.feeds),
    narrower ? `<p class="meta">Narrower lists: ${narrower}</p>` : '',
    '</section>',
    renderEmbedSnippet(view.embedSnippet),
    renderSubscribeBox(view.subscribe, `Get ${view.name} posts by email`),
  ];
  return renderLayout({
    site,
    title: `${view.name}${pageNote} · ${site.title}`,
    description: `Posts about ${view.name} on ${site.title}`,
    canonicalUrl: view.url,
    head: [...feedDiscoveryLinks(view.feeds), ...paginationHeadLinks(pagination)],
    main: main.filter((line) => line !== '').join('\n'),
    guessTimeZone: true,
  });
}
