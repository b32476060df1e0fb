import { type Response, Router } from 'express';
import { AppError } from '@careerfeed/core';
import { methodNotAllowed } from '@careerfeed/http';
import {
  type SiteDocumentsDeps,
  buildOpml,
  buildRobotsTxt,
  buildSitemap,
  buildSitemapPart,
} from './site-documents.service';

/**
 * /sitemap.xml (and its parts /sitemap-{n}.xml past 50,000 URLs), /robots.txt and /feeds.opml.
 * Cached for an hour by clients and proxies: crawlers fetch them rarely, and a new post shows in
 * its feeds at once anyway.
 */
function send(res: Response, contentType: string, body: string): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'public, max-age=3600');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(body);
}

const XML = 'application/xml; charset=utf-8';

export function siteDocumentsRouter(deps: SiteDocumentsDeps): Router {
  const router = Router();
  router.get('/sitemap.xml', async (_req, res) => send(res, XML, await buildSitemap(deps)));
  router.get(/^\/sitemap-([1-9][0-9]{0,5})\.xml$/, async (req, res) => {
    const part = await buildSitemapPart(deps, Number((req.params as Record<string, string>)[0]));
    if (part === null) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such sitemap' });
    send(res, XML, part);
  });
  router.get('/robots.txt', (_req, res) => send(res, 'text/plain; charset=utf-8', buildRobotsTxt(deps)));
  // text/x-opml is what feed readers register for OPML files.
  router.get('/feeds.opml', async (_req, res) => send(res, 'text/x-opml; charset=utf-8', await buildOpml(deps)));
  for (const path of ['/sitemap.xml', '/robots.txt', '/feeds.opml'])
    router.all(path, methodNotAllowed(['GET', 'HEAD']));
  return router;
}
