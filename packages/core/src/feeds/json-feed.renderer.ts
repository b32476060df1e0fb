import { prepareFeed, termsOf } from './feed-content';
import { parseFeedDate, type FeedDocument, type FeedItem } from './feed-model';

/**
 * JSON Feed 1.1, served as application/feed+json. Related posts travel in the `_careerfeed`
 * extension (not appended to content_html) because campus sites render them themselves.
 */
export function renderJsonFeed(input: FeedDocument): string {
  const doc = prepareFeed(input);
  const { links } = doc;
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: links.alternateHtml,
    feed_url: links.self,
    description: doc.description,
    icon: doc.iconUrl ?? doc.logoUrl,
    favicon: doc.iconUrl,
    language: doc.language,
    next_url: links.next,
    hubs: links.hub === undefined ? undefined : [{ type: 'WebSub', url: links.hub }],
    items: doc.items.map((item) => toJsonItem(item, doc.extensionAboutUrl)),
  };
  // Members set to undefined are left out by JSON.stringify.
  return JSON.stringify(feed, null, 2);
}

function toJsonItem(item: FeedItem, extensionAboutUrl: string): object {
  return {
    id: item.id,
    url: item.url,
    external_url: item.externalUrl !== null && item.externalUrl !== item.url ? item.externalUrl : undefined,
    title: item.title,
    content_html: item.contentHtml,
    summary: item.summary,
    image: item.image ?? undefined,
    date_published: parseFeedDate(item.published).local,
    date_modified: parseFeedDate(item.updated).local,
    authors: [{ name: item.author.name, url: item.author.url }],
    tags: termsOf(item).map((term) => term.name),
    _careerfeed: {
      about: extensionAboutUrl,
      related: item.related,
    },
  };
}
