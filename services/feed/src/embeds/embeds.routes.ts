import { type Request, type Response, Router } from 'express';
import { AppError, EMBED_PAGE_CONTENT_SECURITY_POLICY, EMBED_SCRIPT, EMBED_SCRIPT_ETAG } from '@careerfeed/core';
import {
  EMBED_DEFAULT_LIMIT,
  EMBED_MAX_LIMIT,
  type EmbedFilter,
  type EmbedsDeps,
  buildEmbedFeed,
  buildEmbedListPage,
  buildEmbedPostPage,
  buildOEmbed,
} from './embeds.service';

/**
 * Embeds for other sites: `/embed.js` (the `<careerfeed-posts>` element), the JSON it reads
 * (`/embed/posts.json`, readable from any origin), iframe pages per topic, author and post
 * (`/embed/topics/{slug}`, `/embed/authors/{slug}`, `/embed/posts/{slug}`) and `/oembed`.
 */

const EMBED_BODY_NOT_FOUND =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><p>Nothing to show here: the topic, author or post does not exist (or is not published yet).</p></body></html>\n';

/** Anyone may read these with fetch from any page; no credentials are involved, so `*` is safe. */
function allowAnyOrigin(res: Response): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

function badParameter(name: string, message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: `${name} ${message}`,
    errors: [{ path: name, message }],
  });
}

/** One optional string parameter; repeated or empty is a 400. */
function optionalParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw badParameter(name, 'must be given once, not empty');
  return value;
}

function optionalPositiveInt(req: Request, name: string, max: number): number | undefined {
  const raw = optionalParam(req, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw badParameter(name, `must be a whole number from 1 to ${max}`);
  }
  return Number(raw);
}

function sendEmbedPage(res: Response, html: string | null): void {
  res.status(html === null ? 404 : 200);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'public, max-age=300');
  // Only these pages may be framed by other sites; every other page keeps frame-ancestors 'none'.
  res.setHeader('Content-Security-Policy', EMBED_PAGE_CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  res.send(html ?? EMBED_BODY_NOT_FOUND);
}

export function embedsRouter(deps: EmbedsDeps): Router {
  const router = Router();

  router.get('/embed.js', (req, res) => {
    allowAnyOrigin(res);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    // The address is not versioned (campus sites paste it once), so caches revalidate hourly
    // with the ETag; a stale copy may serve a day while revalidating.
    res.setHeader('Cache-Control', 'public, max-age=3600, stale-while-revalidate=86400');
    res.setHeader('ETag', EMBED_SCRIPT_ETAG);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // express answers 304 itself when If-None-Match matches the ETag set above (req.fresh).
    res.send(EMBED_SCRIPT);
  });

  router.options('/embed/posts.json', (_req, res) => {
    allowAnyOrigin(res);
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
  });

  router.get('/embed/posts.json', async (req, res) => {
    allowAnyOrigin(res);
    const filter: EmbedFilter = {};
    const topic = optionalParam(req, 'topic');
    const author = optionalParam(req, 'author');
    if (topic !== undefined) filter.topic = topic;
    if (author !== undefined) filter.author = author;
    const limit = optionalPositiveInt(req, 'limit', EMBED_MAX_LIMIT) ?? EMBED_DEFAULT_LIMIT;
    const feed = await buildEmbedFeed(deps, filter, limit);
    if (!feed) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such topic or author' });
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(feed);
  });

  router.get('/embed/topics/:slug', async (req, res) => {
    sendEmbedPage(res, await buildEmbedListPage(deps, { topic: String(req.params.slug) }));
  });
  router.get('/embed/authors/:slug', async (req, res) => {
    sendEmbedPage(res, await buildEmbedListPage(deps, { author: String(req.params.slug) }));
  });
  router.get('/embed/posts/:slug', async (req, res) => {
    sendEmbedPage(res, await buildEmbedPostPage(deps, String(req.params.slug)));
  });

  // oEmbed 1.0 (https://oembed.com/): JSON only; 404 for URLs that are not our published posts.
  router.get('/oembed', async (req, res) => {
    allowAnyOrigin(res);
    const format = optionalParam(req, 'format') ?? 'json';
    if (format !== 'json' && format !== 'xml') throw badParameter('format', 'must be json');
    // The oEmbed spec's answer for a format it defines that a provider does not serve.
    if (format === 'xml') {
      throw new AppError({
        code: 'NOT_IMPLEMENTED',
        status: 501,
        detail: `format "${format}" is not supported; use format=json`,
      });
    }
    const url = optionalParam(req, 'url');
    if (url === undefined) throw badParameter('url', 'is required: the address of a post on this site');
    const size = {
      maxWidth: optionalPositiveInt(req, 'maxwidth', 10_000),
      maxHeight: optionalPositiveInt(req, 'maxheight', 10_000),
    };
    const answer = await buildOEmbed(deps, url, {
      ...(size.maxWidth !== undefined ? { maxWidth: size.maxWidth } : {}),
      ...(size.maxHeight !== undefined ? { maxHeight: size.maxHeight } : {}),
    });
    if (!answer)
      throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'That URL is not a published post of this site' });
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.json(answer);
  });

  return router;
}
