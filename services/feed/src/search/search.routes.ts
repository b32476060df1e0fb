import { type Request, Router } from 'express';
import { AppError, OPENSEARCH_MEDIA_TYPE, renderOpenSearchDescription, renderSearchPage } from '@careerfeed/core';
import { MAX_SEARCH_QUERY_LENGTH } from '@careerfeed/posts';
import { type PagesDeps, buildSiteView } from '../pages/pages.service';
import { sendHtml } from '../pages/pages.routes';
import { buildSearchPage, searchApi } from './search.service';

/**
 * Search: `/search?q=&page=` (the page), `GET /v1/search?q=&limit=` (JSON) and `/opensearch.xml`
 * (so browsers offer the site's search). Input rules, the same for both:
 * - `q` absent: the page shows its empty state; the API answers 400 (it has nothing to do).
 * - `q` repeated, or longer than MAX_SEARCH_QUERY_LENGTH: 400 (a page with the form for people).
 * - anything else is searched: syntax, SQL and control characters are just text (see toSearchTerms);
 *   a `q` with no words in it finds nothing.
 */

export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 50;

function invalid(path: string, message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: `${path} ${message}`,
    errors: [{ path, message }],
  });
}

/** `q` as a string (undefined when absent), or the reason it is refused. */
function readQuery(query: Request['query']): { q?: string; error?: AppError } {
  const raw = query.q;
  if (raw === undefined) return {};
  if (typeof raw !== 'string') return { error: invalid('q', 'must be given once, as text') };
  if (raw.length > MAX_SEARCH_QUERY_LENGTH) {
    return { error: invalid('q', `must be at most ${MAX_SEARCH_QUERY_LENGTH} characters`) };
  }
  return { q: raw };
}

function readLimit(query: Request['query']): number {
  const raw = query.limit;
  if (raw === undefined) return DEFAULT_SEARCH_LIMIT;
  if (typeof raw !== 'string' || !/^[0-9]{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_SEARCH_LIMIT) {
    throw invalid('limit', `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
  }
  return Number(raw);
}

/** `page` of the HTML page: a positive whole number, or the reason it is refused. */
function readPage(query: Request['query']): { page: number; error?: string } {
  const raw = query.page;
  if (raw === undefined) return { page: 1 };
  if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1) {
    return { page: 1, error: 'The page number must be a positive whole number.' };
  }
  return { page: Number(raw) };
}

export function searchRouter(deps: PagesDeps): Router {
  const router = Router();

  router.get('/search', async (req, res) => {
    const { q, error } = readQuery(req.query);
    const page = readPage(req.query);
    const problem = error ? `Your search could not be run: ${error.message}. Shorten it and try again.` : page.error;
    // A refused query is shown cut to the limit, so the form can be resubmitted as it stands.
    const shown = typeof req.query.q === 'string' ? req.query.q.slice(0, MAX_SEARCH_QUERY_LENGTH) : (q ?? '');
    const view = await buildSearchPage(deps, { query: shown, page: page.page, ...(problem ? { error: problem } : {}) });
    sendHtml(res, problem ? 400 : 200, renderSearchPage(view));
  });

  router.get('/v1/search', async (req, res) => {
    const { q, error } = readQuery(req.query);
    if (error) throw error;
    if (q === undefined) throw invalid('q', 'is required: the words to search for');
    const body = await searchApi(deps, q, readLimit(req.query));
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(body);
  });

  router.get('/opensearch.xml', async (_req, res) => {
    const site = await buildSiteView(deps);
    res.setHeader('Content-Type', `${OPENSEARCH_MEDIA_TYPE}; charset=utf-8`);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(renderOpenSearchDescription(site));
  });

  return router;
}
