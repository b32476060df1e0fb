import { type Request, type RequestHandler, type Response, Router } from 'express';
import { isValidSlug } from '@careerfeed/core';
import { type TopicKind, findTopicRedirect } from '@careerfeed/posts';

const SEGMENTS: [string, TopicKind][] = [
  ['tags', 'tag'],
  ['categories', 'category'],
];
/** The page (`/tags/a/`) and its three feeds. */
const FILES = ['', 'feed.xml', 'feed.atom', 'feed.json'];

/**
 * A merged tag or category answers at its old addresses with a 301 to the topic it was merged into
 * (the page and its feeds; the query string follows), so feed readers and links move over for good.
 * Mounted before the feed and page routes; anything else passes through.
 */
export function topicRedirectsRouter(deps: { db: Parameters<typeof findTopicRedirect>[0] }): RequestHandler {
  const router = Router();
  for (const [segment, kind] of SEGMENTS) {
    for (const file of FILES) {
      router.get(`/${segment}/:slug/${file}`, async (req: Request, res: Response, next) => {
        const slug = req.params.slug;
        if (typeof slug !== 'string' || slug.length > 200 || !isValidSlug(slug)) return next();
        const to = await findTopicRedirect(deps.db, kind, slug);
        if (to === undefined) return next();
        const at = req.originalUrl.indexOf('?');
        const query = at === -1 ? '' : req.originalUrl.slice(at);
        // Feeds are read cross-origin; a redirect a script cannot see through is no use to it.
        if (file !== '') res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Cache-Control', 'public, max-age=3600');
        res.redirect(301, `/${segment}/${encodeURIComponent(to)}/${file}${query}`);
      });
    }
  }
  // Only GET and HEAD reach it: a Router answers OPTIONS for paths it knows by itself, which would
  // pre-empt the feed routes' CORS preflight.
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') router(req, res, next);
    else next();
  };
}
