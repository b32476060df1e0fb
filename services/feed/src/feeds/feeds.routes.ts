import { type Request, type Response, Router } from 'express';
import { AppError, isValidSlug } from '@careerfeed/core';
import type { FeedCache } from './feed-cache';
import {
  feedCacheKey,
  feedRoute,
  parseFeedQuery,
  prepareFeed,
  SCOPE_SEGMENTS,
  type ScopeSegment,
  sendFeed,
} from './feed-responses';
import type { FeedScope, ListScopeKind } from './feed-scope';
import { FEED_FILES, type FeedFormat, type FeedsDeps, renderFeed } from './feeds.service';

function slugParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > 200 || !isValidSlug(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No such ${what}` });
  }
  return value;
}

/**
 * The feed routes: every request that the cache in front of express could not answer (a miss, a
 * path or query it does not recognize) ends here, is validated, rendered on a miss and cached.
 */
export function feedsRouter(deps: FeedsDeps, cache: FeedCache): Router {
  const router = Router();

  async function serve(req: Request, res: Response, scope: FeedScope, format: FeedFormat): Promise<void> {
    const { limit, page } = parseFeedQuery(req.query);
    const key = feedCacheKey(format, scope, limit, page);
    let feed = cache.get(key);
    if (!feed) {
      const rendered = await renderFeed(deps, { scope, format, limit, page });
      if (!rendered) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such feed or page' });
      feed = cache.set(key, rendered);
    }
    await prepareFeed(req, feed);
    sendFeed(req, res, feed);
  }

  for (const format of Object.keys(FEED_FILES) as FeedFormat[]) {
    router.get(feedRoute(undefined, format), (req, res) => serve(req, res, { kind: 'site' }, format));
    for (const [segment, kind] of Object.entries(SCOPE_SEGMENTS) as [ScopeSegment, ListScopeKind][]) {
      router.get(feedRoute(segment, format), (req, res) =>
        serve(req, res, { kind, slug: slugParam(req.params.slug, kind) }, format),
      );
    }
  }
  return router;
}
