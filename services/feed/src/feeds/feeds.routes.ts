import { type Request, type RequestHandler, type Response, Router } from 'express';
import { AppError, isValidSlug } from '@careerfeed/core';
import { methodNotAllowed } from '@careerfeed/http';
import { type FeedCache, FEED_FILES, type FeedFormat, type FeedsDeps, renderFeed } from '@careerfeed/feeds';
import {
  CORS_EXPOSED_HEADERS,
  feedCacheKey,
  feedRoute,
  parseFeedQuery,
  prepareFeed,
  SCOPE_SEGMENTS,
  type ScopeSegment,
  sendFeed,
} from './feed-responses';
import type { FeedScope, ListScopeKind } from '@careerfeed/jobs';

function slugParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > 200 || !isValidSlug(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No such ${what}` });
  }
  return value;
}

/**
 * Feeds are public and read by campus sites' scripts on other origins. Every answer on a feed
 * path carries CORS `*`, errors included, so that a script sees a 404 or 400 and its problem
 * details rather than an opaque network error; a preflight (a script sending If-None-Match
 * itself, which is not a CORS-safelisted header) is answered here. No credentials are involved,
 * so `*` is safe.
 */
const FEED_METHODS = ['GET', 'HEAD', 'OPTIONS'];
const PREFLIGHT_ALLOWED_HEADERS = 'If-None-Match, If-Modified-Since, Cache-Control';
const PREFLIGHT_MAX_AGE_SECONDS = '86400';

const allowAnyOrigin: RequestHandler = (_req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
  next();
};

const answerPreflight: RequestHandler = (_req, res) => {
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD');
  res.setHeader('Access-Control-Allow-Headers', PREFLIGHT_ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
  res.setHeader('Allow', FEED_METHODS.join(', '));
  res.status(204).end();
};

/**
 * The feed routes: every request that the cache in front of express could not answer (a miss, a
 * path or query it does not recognize) ends here, is validated, rendered on a miss and cached.
 */
/** Counts each cache lookup of the feed routes (pre-bound counter children: no allocation per request). */
export interface FeedCacheLookups {
  hit: { inc(): void };
  miss: { inc(): void };
}

export function feedsRouter(deps: FeedsDeps, cache: FeedCache, lookups?: FeedCacheLookups): Router {
  const router = Router();

  async function serve(req: Request, res: Response, scope: FeedScope, format: FeedFormat): Promise<void> {
    const { limit, page } = parseFeedQuery(req.query);
    const key = feedCacheKey(format, scope, limit, page);
    let feed = cache.get(key);
    if (feed) lookups?.hit.inc();
    else {
      lookups?.miss.inc();
      const rendered = await renderFeed(deps, { scope, format, limit, page });
      if (!rendered) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such feed or page' });
      feed = cache.set(key, rendered);
    }
    await prepareFeed(req, feed);
    sendFeed(req, res, feed);
  }

  const feedPath = (path: string, handler: RequestHandler) =>
    router.route(path).all(allowAnyOrigin).get(handler).options(answerPreflight).all(methodNotAllowed(FEED_METHODS));
  for (const format of Object.keys(FEED_FILES) as FeedFormat[]) {
    feedPath(feedRoute(undefined, format), (req, res) => serve(req, res, { kind: 'site' }, format));
    for (const [segment, kind] of Object.entries(SCOPE_SEGMENTS) as [ScopeSegment, ListScopeKind][]) {
      feedPath(feedRoute(segment, format), (req, res) =>
        serve(req, res, { kind, slug: slugParam(req.params.slug, kind) }, format),
      );
    }
  }
  return router;
}
