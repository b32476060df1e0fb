import { createHash } from 'node:crypto';
import { Router } from 'express';
import { type ThemeDeps, buildThemeCss } from './theme.service';

/**
 * `/theme.css`: the site's colours for the pages (see renderThemeCss). Pages link it with a
 * version in the query that changes with the colours, so it may be cached for a year; the ETag
 * covers a client that asks without the version.
 */
export function themeRouter(deps: ThemeDeps): Router {
  const router = Router();
  router.get('/theme.css', async (req, res) => {
    const css = await buildThemeCss(deps);
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    res.setHeader(
      'Cache-Control',
      typeof req.query.v === 'string' ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    );
    res.setHeader('ETag', `"${createHash('sha256').update(css).digest('base64url').slice(0, 22)}"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(css);
  });
  return router;
}
