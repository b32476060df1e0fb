import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import {
  AppError,
  FORM_PAGE_CONTENT_SECURITY_POLICY,
  PAGE_CONTENT_SECURITY_POLICY,
  isValidSlug,
  type SiteView,
  renderErrorPage,
  renderIndexPage,
  renderJsonFeedExtensionPage,
  renderListPage,
  renderNotFoundPage,
  renderPostPage,
  renderTopicPage,
  renderTopicsIndexPage,
} from '@careerfeed/core';
import { buildTopicPage, buildTopicsIndexPage } from '../topics/topics.service';
import { JSON_FEED_EXTENSION_PATH } from '@careerfeed/feeds';
import {
  type ListScope,
  type PagesDeps,
  buildIndexPage,
  buildJsonFeedExtensionPage,
  buildListPage,
  buildPostPage,
  buildSiteView,
} from './pages.service';

/**
 * The public HTML: `/`, `/posts/{slug}`, `/topics/` and `/topics/{slug}/`, and `/tags/{tag}/`, `/categories/{category}/`,
 * `/authors/{slug}/` (the same address their feeds hang under; without the slash it redirects), and
 * `/about/json-feed-extension`, the documentation of the JSON Feed extension.
 * Errors of these routes are pages for browsers and problem+json for everyone else.
 */

export function sendHtml(res: Response, status: number, html: string, csp = PAGE_CONTENT_SECURITY_POLICY): void {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  // Short: a post edited or published shows up in browsers within a minute without any
  // invalidation, and within a second through the shared cache in front (see FEED_CACHE_CONTROL).
  res.setHeader('Cache-Control', 'public, max-age=60, s-maxage=1');
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  res.send(html);
}

function notFound(detail: string): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail });
}

/** `page`: a positive whole number, as for feeds; anything else is a 400. Other parameters are ignored. */
export function parsePageQuery(query: Request['query']): number {
  const raw = query.page;
  if (raw === undefined) return 1;
  if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'page must be a positive whole number',
      errors: [{ path: 'page', message: 'must be a positive whole number' }],
    });
  }
  return Number(raw);
}

/** A slug from the path, or a 404: no stored slug can be invalid, so `..`, `%2f` or 10 kB cannot match one. */
function slugParam(value: string | undefined, what: string): string {
  if (value === undefined || value.length > 200 || !isValidSlug(value)) throw notFound(`No such ${what}`);
  return value;
}

/** The query string as sent, to carry across a redirect. */
function search(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at === -1 ? '' : req.originalUrl.slice(at);
}

const LIST_SEGMENTS: [string, ListScope['kind']][] = [
  ['tags', 'tag'],
  ['categories', 'category'],
  ['authors', 'author'],
];

const ERROR_HEADINGS: Record<number, string> = { 400: 'Bad request' };

/**
 * 4xx errors of the page routes. Browsers (anything that accepts text/html before JSON, including
 * a client that sends no Accept at all) get a page; API clients get problem+json from the app's
 * problem handler. Unknown errors go there too, to be logged and answered with a 500.
 */
function pageErrors(deps: PagesDeps): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Express could not percent-decode a path parameter (/posts/%ff): no slug looks like that.
    const known =
      error instanceof Error && error.name === 'URIError'
        ? notFound('No such page')
        : error instanceof AppError && error.status < 500
          ? error
          : undefined;
    if (!known || res.headersSent) {
      next(error);
      return;
    }
    res.vary('Accept');
    if (req.accepts(['text/html', 'application/problem+json', 'application/json']) !== 'text/html') {
      next(known);
      return;
    }
    // Every 404 reads the same (drafts and scheduled posts must look missing); a reader needs a way back.
    const render = (site: SiteView) =>
      known.status === 404
        ? renderNotFoundPage(site)
        : renderErrorPage({
            site,
            status: known.status,
            heading: ERROR_HEADINGS[known.status] ?? known.title,
            message: known.message,
          });
    buildSiteView(deps).then((site) => sendHtml(res, known.status, render(site)), next);
  };
}

export function pagesRouter(deps: PagesDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const view = await buildIndexPage(deps, parsePageQuery(req.query));
    if (!view) throw notFound('No such page');
    // The home page carries the short subscription form and its time-zone script.
    sendHtml(res, 200, renderIndexPage(view), FORM_PAGE_CONTENT_SECURITY_POLICY);
  });

  // What every JSON Feed item's `_careerfeed.about` points at.
  router.get(JSON_FEED_EXTENSION_PATH, async (_req, res) => {
    sendHtml(res, 200, renderJsonFeedExtensionPage(await buildJsonFeedExtensionPage(deps)));
  });

  // A post is /posts/{slug}, without a trailing slash (express matches both).
  router.get('/posts/:slug', async (req, res) => {
    const slug = slugParam(req.params.slug, 'post');
    if (req.path.endsWith('/')) {
      res.redirect(301, `/posts/${encodeURIComponent(slug)}${search(req)}`);
      return;
    }
    // After a comment form's redirect (`comment=held|published`), or a reply link (`replyto=<id>`).
    const notice = req.query.comment === 'held' || req.query.comment === 'published' ? req.query.comment : undefined;
    const replyTo = typeof req.query.replyto === 'string' ? req.query.replyto.slice(0, 36) : undefined;
    const view = await buildPostPage(deps, slug, { notice, values: replyTo ? { parentId: replyTo } : undefined });
    if (!view) throw notFound('No such post');
    // The email box under the post guesses the time zone: the form pages' policy (scripts by hash only).
    sendHtml(res, 200, renderPostPage(view), FORM_PAGE_CONTENT_SECURITY_POLICY);
  });

  // Topics: a tag and a category of one slug, as readers see them.
  router.get('/topics', async (req, res) => {
    if (!req.path.endsWith('/')) {
      res.redirect(301, `/topics/${search(req)}`);
      return;
    }
    sendHtml(res, 200, renderTopicsIndexPage(await buildTopicsIndexPage(deps)));
  });
  router.get('/topics/:slug', async (req, res) => {
    const slug = slugParam(req.params.slug, 'topic');
    if (!req.path.endsWith('/')) {
      res.redirect(301, `/topics/${encodeURIComponent(slug)}/${search(req)}`);
      return;
    }
    const view = await buildTopicPage(deps, slug, parsePageQuery(req.query));
    if (!view) throw notFound('No such topic or page');
    sendHtml(res, 200, renderTopicPage(view), FORM_PAGE_CONTENT_SECURITY_POLICY);
  });

  // A tag, category or author page is the directory its feeds live in: /tags/{tag}/.
  for (const [segment, kind] of LIST_SEGMENTS) {
    router.get(`/${segment}/:slug`, async (req, res) => {
      const slug = slugParam(req.params.slug, kind);
      if (!req.path.endsWith('/')) {
        res.redirect(301, `/${segment}/${encodeURIComponent(slug)}/${search(req)}`);
        return;
      }
      const view = await buildListPage(deps, { kind, slug }, parsePageQuery(req.query));
      if (!view) throw notFound(`No such ${kind} or page`);
      sendHtml(res, 200, renderListPage(view));
    });
  }

  router.use(pageErrors(deps));
  return router;
}
