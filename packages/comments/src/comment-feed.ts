import RSS from 'rss';
import { stripIllegalXmlChars } from '@careerfeed/core';

/**
 * Comment feeds in RSS 2.0, as WordPress publishes them: one per post (`/posts/{slug}/comments/feed.xml`)
 * and one for the site (`/comments/feed.xml`), newest approved comments first. Pure: the caller
 * selects the comments.
 */

export interface CommentFeedItem {
  id: string;
  authorName: string;
  /** Sanitized when stored. */
  bodyHtml: string;
  createdAt: string;
  postTitle: string;
  postUrl: string;
}

export interface CommentFeedDocument {
  title: string;
  description: string;
  language: string;
  /** This feed's own URL. */
  selfUrl: string;
  /** The page the comments are on (a post, or the site's home). */
  pageUrl: string;
  /** Whether items are titled with their post (the site-wide feed) or only by their author. */
  siteWide: boolean;
  items: CommentFeedItem[];
}

export const COMMENT_FEED_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

export function renderCommentFeed(doc: CommentFeedDocument): string {
  const feed = new RSS({
    title: doc.title,
    description: doc.description,
    feed_url: doc.selfUrl,
    site_url: doc.pageUrl,
    language: doc.language,
    generator: 'careerfeed',
  });
  for (const item of doc.items) {
    feed.item({
      title: doc.siteWide ? `Comment on ${item.postTitle} by ${item.authorName}` : `By: ${item.authorName}`,
      description: item.bodyHtml,
      url: `${item.postUrl}#comment-${item.id}`,
      guid: `urn:uuid:${item.id}`,
      author: item.authorName,
      date: new Date(item.createdAt),
    });
  }
  const newest = doc.items[0]?.createdAt;
  // The package writes lastBuildDate as "now": the newest comment's date keeps unchanged feeds byte-identical.
  return stripIllegalXmlChars(feed.xml({ indent: '  ' })).replace(
    /<lastBuildDate>[^<]*<\/lastBuildDate>/,
    newest ? `<lastBuildDate>${new Date(newest).toUTCString()}</lastBuildDate>` : '',
  );
}
