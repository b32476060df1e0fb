import { type Request, type Response, Router } from 'express';
import { AppError, isValidSlug } from '@careerfeed/core';
import { compressed, type CachedFeed, type FeedCache } from './feed-cache';
import type { FeedScope } from './feed-scope';
import { DEFAULT_LIMIT, FEED_FILES, type FeedFormat, type FeedsDeps, MAX_LIMIT, renderFeed } from './feeds.service';

const CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=3600';

/**
 * `limit`: 1..100, default 20; above 100 it is clamped (a reader asking for more gets the most we
 * serve), anything not a positive whole number is a 400. `page`: a positive whole number, else 400;
 * a page past the end is a 404. Other query parameters (trackers add them) are ignored.
 */
export function parseFeedQuery(query: Request['query']): { limit: number; page: number } {
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

/** Brotli whenever the client takes it (smaller than gzip for feeds), else gzip, else none. */
function preferredEncoding(req: Request): 'br' | 'gzip' | undefined {
  if (req.acceptsEncodings('br') === 'br') return 'br';
  if (req.acceptsEncodings('gzip') === 'gzip') return 'gzip';
  return undefined;
}

function isNotModified(req: Request, feed: CachedFeed): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.2.2).
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(',').some((tag) => {
      const t = tag.trim();
      return t === '*' || t === feed.etag || t === `W/${feed.etag}`;
    });
  }
  const since = req.headers['if-modified-since'];
  if (since === undefined || feed.lastModifiedMs === null) return false;
  // Exact match, not "<=": a feed's date goes backwards when its newest post is deleted, and a
  // reader holding the later date must then get the new feed, not a 304.
  return Date.parse(since) === feed.lastModifiedMs;
}

function sendFeed(req: Request, res: Response, feed: CachedFeed): void {
  res.setHeader('Content-Type', feed.contentType);
  res.setHeader('ETag', feed.etag);
  if (feed.lastModified) res.setHeader('Last-Modified', feed.lastModified);
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.setHeader('Vary', 'Accept-Encoding');
  // Campus sites fetch() the JSON feed from their own origins.
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'ETag, Last-Modified, Link');
  if (isNotModified(req, feed)) {
    res.status(304).end();
    return;
  }
  const encoding = preferredEncoding(req);
  const body = encoding ? compressed(feed, encoding) : feed.identity;
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
}

function slugParam(value: string | undefined, what: string): string {
  if (value === undefined || value.length > 200 || !isValidSlug(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No such ${what}` });
  }
  return value;
}

export function feedsRouter(deps: FeedsDeps, cache: FeedCache): Router {
  const router = Router();

  async function serve(req: Request, res: Response, scope: FeedScope, format: FeedFormat): Promise<void> {
    const { limit, page } = parseFeedQuery(req.query);
    const key = `${format}|${scope.kind}|${'slug' in scope ? scope.slug : ''}|${limit}|${page}`;
    let feed = cache.get(key);
    if (!feed) {
      const rendered = await renderFeed(deps, { scope, format, limit, page });
      if (!rendered) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such feed or page' });
      feed = cache.set(key, rendered);
    }
    sendFeed(req, res, feed);
  }

  for (const format of Object.keys(FEED_FILES) as FeedFormat[]) {
    const file = FEED_FILES[format];
    router.get(`/${file}`, (req, res) => serve(req, res, { kind: 'site' }, format));
    router.get(`/tags/:slug/${file}`, (req, res) =>
      serve(req, res, { kind: 'tag', slug: slugParam(req.params.slug, 'tag') }, format),
    );
    router.get(`/categories/:slug/${file}`, (req, res) =>
      serve(req, res, { kind: 'category', slug: slugParam(req.params.slug, 'category') }, format),
    );
    router.get(`/authors/:slug/${file}`, (req, res) =>
      serve(req, res, { kind: 'author', slug: slugParam(req.params.slug, 'author') }, format),
    );
  }
  return router;
}
