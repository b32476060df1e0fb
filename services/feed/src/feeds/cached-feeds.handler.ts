import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { type FeedCache, DEFAULT_LIMIT, FEED_FILES, type FeedFormat } from '@careerfeed/feeds';
import { feedCacheKey, feedRoute, parseFeedQuery, SCOPE_SEGMENTS, type ScopeSegment, sendFeed } from './feed-responses';
import type { FeedScope } from '@careerfeed/jobs';

const FORMAT_BY_FILE = new Map(Object.entries(FEED_FILES).map(([format, file]) => [file, format as FeedFormat]));

interface FeedMatch {
  scope: FeedScope;
  format: FeedFormat;
  route: string;
}

// The site's feeds by path, with the cache key of their default page, made once: readers poll
// these plain URLs most.
const SITE_FEEDS = new Map(
  [...FORMAT_BY_FILE].map(([file, format]) => {
    const match: FeedMatch = { scope: { kind: 'site' }, format, route: feedRoute(undefined, format) };
    return [`/${file}`, { match, defaultKey: feedCacheKey(format, match.scope, DEFAULT_LIMIT, 1) }];
  }),
);
const SCOPED_ROUTES = new Map(
  Object.keys(SCOPE_SEGMENTS).flatMap((segment) =>
    [...FORMAT_BY_FILE].map(([file, format]) => [`${segment}/${file}`, feedRoute(segment as ScopeSegment, format)]),
  ),
);

// Only the plain spellings: a slug with nothing to percent-decode, lower case, no trailing slash.
// Any other spelling that express would also route (`/Feed.xml`, `/tags/caf%C3%A9/feed.xml`)
// simply falls through to express, so this never has to agree with it on decoding or case.
const SCOPED_FEED_PATH = /^\/(tags|categories|topics|authors)\/([^/%?]{1,200})\/(feed\.xml|feed\.atom|feed\.json)$/;

/** Which scoped feed (and its route pattern) a request path names, or undefined. */
function matchScopedFeedPath(path: string): FeedMatch | undefined {
  const match = SCOPED_FEED_PATH.exec(path);
  if (!match) return undefined;
  const segment = match[1] as ScopeSegment;
  return {
    scope: { kind: SCOPE_SEGMENTS[segment], slug: match[2]! },
    format: FORMAT_BY_FILE.get(match[3]!)!,
    route: SCOPED_ROUTES.get(`${segment}/${match[3]!}`)!,
  };
}

/** Records one answer in the request metrics: the request's method, the route pattern, status and seconds taken. */
export type OnCachedFeedServed = (method: string, route: string, status: number, seconds: number) => void;

/**
 * Answers a GET or HEAD of a feed that is in the cache, without express; returns false, having
 * written nothing, for everything else (other methods and paths, a query that does not validate,
 * a miss, an encoding not compressed yet), which express then handles exactly as it would have on its own: it renders and fills
 * the cache, or answers the 400/404. The key is the one express's route would compute, so a hit
 * here is the entry express would have served. Why: express's routing and middleware cost ~4x
 * what writing a cached ~100 KB feed costs (bench:feed), and readers poll these paths.
 *
 * `onServed` is called once the answer is written, for the request metrics.
 */
export function serveCachedFeed(
  req: IncomingMessage,
  res: ServerResponse,
  cache: FeedCache,
  onServed: OnCachedFeedServed,
): boolean {
  const started = performance.now();
  const method = req.method;
  if ((method !== 'GET' && method !== 'HEAD') || req.url === undefined) return false;
  const url = req.url;
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  const site = SITE_FEEDS.get(path);
  const feed = site?.match ?? matchScopedFeedPath(path);
  if (!feed) return false;
  let key: string;
  if (at === -1) {
    // No query: the default page, as parseFeedQuery({}) gives.
    key = site?.defaultKey ?? feedCacheKey(feed.format, feed.scope, DEFAULT_LIMIT, 1);
  } else {
    try {
      const { limit, page } = parseFeedQuery(parseQueryString(url.slice(at + 1)));
      key = feedCacheKey(feed.format, feed.scope, limit, page);
    } catch {
      return false; // express answers the same validation error as problem+json
    }
  }
  const entry = cache.get(key);
  // Not cached, or not yet compressed for this client: express renders, or waits for the
  // compression (once per entry).
  if (!entry || !sendFeed(req, res, entry)) return false;
  // Observed as soon as `res.end` has returned instead of on the response's 'finish' (as express's
  // routes do, see httpMetrics): the status is known, and the whole answer has been handed to the
  // socket. Either the kernel took it all in that call, and 'finish' would follow a tick later with
  // nothing done in between, or the rest waits for the client to read, which 'finish' would add to
  // the figure (the client's time, not ours) or never report at all if the client hangs up. It
  // saves a listener and a closure per request on the path readers hit most.
  onServed(method, feed.route, res.statusCode, (performance.now() - started) / 1000);
  return true;
}
