import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request } from 'express';
import { AppError } from '@careerfeed/core';
import {
  compress,
  type CachedFeed,
  type FeedAnswer,
  type FeedEncoding,
  DEFAULT_LIMIT,
  FEED_FILES,
  type FeedFormat,
  MAX_LIMIT,
} from '@careerfeed/feeds';
import type { FeedScope } from '@careerfeed/jobs';

/**
 * How a feed request is read and a cached feed answered, written against node's own request and
 * response so that both paths use it: express's feed routes (which render on a miss) and the
 * handler in front of express that answers cache hits (cached-feeds.handler.ts).
 */

/**
 * Readers' caches keep a feed 5 minutes (and may show it stale for an hour while refetching);
 * shared caches (the nginx in front, deploy/nginx/careerfeed.conf) keep it one second and then
 * revalidate with the ETag, so a new post reaches everyone behind them within about a second.
 */
export const FEED_CACHE_CONTROL = 'public, max-age=300, s-maxage=1, stale-while-revalidate=3600';
const CACHE_CONTROL = FEED_CACHE_CONTROL;

/** Response headers a script on another origin may read from a feed answer (CORS). */
export const CORS_EXPOSED_HEADERS = 'ETag, Last-Modified, Link';

/** Path segment of each scope's feeds and pages: /tags/{tag}/feed.xml, … */
export const SCOPE_SEGMENTS = { tags: 'tag', categories: 'category', topics: 'topic', authors: 'author' } as const;
export type ScopeSegment = keyof typeof SCOPE_SEGMENTS;

/** The express route pattern of a feed; also the `route` label of its request metrics. */
export function feedRoute(segment: ScopeSegment | undefined, format: FeedFormat): string {
  return segment === undefined ? `/${FEED_FILES[format]}` : `/${segment}/:slug/${FEED_FILES[format]}`;
}

/**
 * `limit`: 1..100, default 20; above 100 it is clamped (a reader asking for more gets the most we
 * serve), anything not a positive whole number is a 400. `page`: a positive whole number, else 400;
 * a page past the end is a 404. Other query parameters (trackers add them) are ignored.
 * `query` is parsed as express's default ("simple") query parser does: node's querystring.
 */
export function parseFeedQuery(query: Record<string, unknown>): { limit: number; page: number } {
  const number = (name: string, fallback: number) => {
    const raw = query[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1) {
      throw new AppError({
        code: 'VALIDATION_FAILED',
        status: 400,
        detail: `${name} must be a positive whole number`,
        errors: [{ path: name, message: 'must be a positive whole number' }],
      });
    }
    return Number(raw);
  };
  return { limit: Math.min(number('limit', DEFAULT_LIMIT), MAX_LIMIT), page: number('page', 1) };
}

/** The feed cache's key: a scope's feed in one format, one page of one size (after clamping). */
export function feedCacheKey(format: FeedFormat, scope: FeedScope, limit: number, page: number): string {
  return `${format}|${scope.kind}|${'slug' in scope ? scope.slug : ''}|${limit}|${page}`;
}

type Encoding = FeedEncoding | undefined;

// Readers send a handful of distinct Accept-Encoding values; negotiating each once keeps the
// `accepts` parser off the hot path. Bounded, as the header is the client's to choose.
const encodingByHeader = new Map<string, Encoding>();
const MAX_REMEMBERED_HEADERS = 256;

/**
 * Brotli whenever the client takes it (smaller than gzip for feeds), else gzip, else none. Decided
 * by express's own negotiation (`req.acceptsEncodings`, i.e. the `accepts` package), applied to
 * the header alone, so both paths agree with what express decided before the fast path existed.
 */
export function preferredEncoding(acceptEncoding: string | undefined): Encoding {
  const header = acceptEncoding ?? '';
  let encoding = encodingByHeader.get(header);
  if (encoding === undefined && !encodingByHeader.has(header)) {
    const probe = { headers: { 'accept-encoding': header } } as unknown as Request;
    const accepts = (name: string) => express.request.acceptsEncodings.call(probe, name) === name;
    encoding = accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : undefined;
    if (encodingByHeader.size >= MAX_REMEMBERED_HEADERS) encodingByHeader.clear();
    encodingByHeader.set(header, encoding);
  }
  return encoding;
}

function isNotModified(headers: IncomingHttpHeaders, feed: CachedFeed): boolean {
  const ifNoneMatch = headers['if-none-match'];
  // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.2.2).
  if (ifNoneMatch !== undefined) {
    // Readers send back the one ETag they were given: decided without splitting the list.
    if (ifNoneMatch === feed.etag) return true;
    return ifNoneMatch.split(',').some((tag) => {
      const t = tag.trim();
      return t === '*' || t === feed.etag || t === `W/${feed.etag}`;
    });
  }
  const since = headers['if-modified-since'];
  if (since === undefined || feed.lastModifiedMs === null) return false;
  // Exact match, not "<=": a feed's date goes backwards when its newest post is deleted, and a
  // reader holding the later date must then get the new feed, not a 304.
  return Date.parse(since) === feed.lastModifiedMs;
}

/** What a GET or HEAD gets from `feed`: a 304, or a 200 in the negotiated encoding. */
function answerFor(req: IncomingMessage, feed: CachedFeed): FeedAnswer {
  if (isNotModified(req.headers, feed)) return 'notModified';
  return preferredEncoding(req.headers['accept-encoding']) ?? 'identity';
}

/** Makes sure `sendFeed` can answer this request from `feed`: compresses it for this client if needed. */
export async function prepareFeed(req: IncomingMessage, feed: CachedFeed): Promise<void> {
  const answer = answerFor(req, feed);
  if ((answer === 'gzip' || answer === 'br') && !feed[answer]) await compress(feed, answer);
}

/**
 * The header lines of one kind of answer from `feed`, made once per entry and answer (its body must
 * exist by then). The same lines, in the same order, as one `setHeader` each would give; a 304 has
 * neither Content-Encoding nor Content-Length.
 */
function feedHeaders(feed: CachedFeed, answer: FeedAnswer, body: Buffer | undefined): string[] {
  const made = (feed.headers ??= {});
  let headers = made[answer];
  if (headers) return headers;
  headers = ['Content-Type', feed.contentType, 'ETag', feed.etag];
  if (feed.lastModified) headers.push('Last-Modified', feed.lastModified);
  headers.push(
    'Cache-Control',
    CACHE_CONTROL,
    'Vary',
    'Accept-Encoding',
    // Campus sites fetch() the JSON feed from their own origins.
    'Access-Control-Allow-Origin',
    '*',
    'Access-Control-Expose-Headers',
    CORS_EXPOSED_HEADERS,
  );
  if (body) {
    if (answer === 'gzip' || answer === 'br') headers.push('Content-Encoding', answer);
    headers.push('Content-Length', String(body.length));
  }
  made[answer] = headers;
  return headers;
}

/**
 * Answers a GET or HEAD with a cached feed: 304, or 200 in the negotiated encoding. Returns false,
 * having written nothing, when that encoding is not compressed yet (`prepareFeed` does it).
 *
 * One `writeHead` with the entry's prepared header lines instead of a `setHeader` per header: each
 * of those validates its name and value and files them in the response's header map, per request,
 * for lines that never change for an entry. Headers set on `res` before (express middleware) stay:
 * `writeHead` merges them, the names given here replacing the same names, as `setHeader` did.
 */
export function sendFeed(req: IncomingMessage, res: ServerResponse, feed: CachedFeed): boolean {
  const answer = answerFor(req, feed);
  if (answer === 'notModified') {
    res.writeHead(304, feedHeaders(feed, answer, undefined));
    res.end();
    return true;
  }
  const body = answer === 'identity' ? feed.identity : feed[answer];
  if (!body) return false;
  res.writeHead(200, feedHeaders(feed, answer, body));
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
