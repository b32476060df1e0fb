import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { FeedCache } from './feed-cache';
import { feedCacheKey, feedRoute, parseFeedQuery, SCOPE_SEGMENTS, type ScopeSegment, sendFeed } from './feed-responses';
import type { FeedScope } from './feed-scope';
import { FEED_FILES, type FeedFormat } from './feeds.service';

const FORMAT_BY_FILE = new Map(Object.entries(FEED_FILES).map(([format, file]) => [file, format as FeedFormat]));

// Only the plain spellings: a slug with nothing to percent-decode, lower case, no trailing slash.
// Any other spelling that express would also route (`/Feed.xml`, `/tags/caf%C3%A9/feed.xml`)
// simply falls through to express, so this never has to agree with it on decoding or case.
const SCOPED_FEED_PATH = /^\/(tags|categories|authors)\/([^/%?]{1,200})\/(feed\.xml|feed\.atom|feed\.json)$/;

/** Which feed (and its route pattern) a request path names, or undefined. */
function matchFeedPath(path: string): { scope: FeedScope; format: FeedFormat; route: string } | undefined {
  const siteFormat = FORMAT_BY_FILE.get(path.slice(1));
  if (siteFormat !== undefined && path.startsWith('/')) {
    return { scope: { kind: 'site' }, format: siteFormat, route: feedRoute(undefined, siteFormat) };
  }
  const match = SCOPED_FEED_PATH.exec(path);
  if (!match) return undefined;
  const segment = match[1] as ScopeSegment;
  const format = FORMAT_BY_FILE.get(match[3]!)!;
  return { scope: { kind: SCOPE_SEGMENTS[segment], slug: match[2]! }, format, route: feedRoute(segment, format) };
}

/**
 * Answers a GET or HEAD of a feed that is in the cache, without express; returns false, having
 * written nothing, for everything else (other methods and paths, a query that does not validate,
 * a miss, an encoding not compressed yet), which express then handles exactly as it would have on its own: it renders and fills
 * the cache, or answers the 400/404. The key is the one express's route would compute, so a hit
 * here is the entry express would have served. Why: express's routing and middleware cost ~4x
 * what writing a cached ~100 KB feed costs (bench:feed), and readers poll these paths.
 *
 * `onServed(route, status)` is called when the response finishes, for the request metrics.
 */
export function serveCachedFeed(
  req: IncomingMessage,
  res: ServerResponse,
  cache: FeedCache,
  onServed: (route: string, status: number) => void,
): boolean {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url === undefined) return false;
  const url = req.url;
  const at = url.indexOf('?');
  const feed = matchFeedPath(at === -1 ? url : url.slice(0, at));
  if (!feed) return false;
  let limit: number;
  let page: number;
  try {
    ({ limit, page } = parseFeedQuery(at === -1 ? {} : parseQueryString(url.slice(at + 1))));
  } catch {
    return false; // express answers the same validation error as problem+json
  }
  const entry = cache.get(feedCacheKey(feed.format, feed.scope, limit, page));
  if (!entry) return false;
  const finished = () => onServed(feed.route, res.statusCode);
  res.once('finish', finished);
  if (sendFeed(req, res, entry)) return true;
  // Not yet compressed for this client: express waits for the compression (once per entry).
  res.off('finish', finished);
  return false;
}
