import type { ErrorRequestHandler, Request, Response } from 'express';
import { AppError, PAGE_CONTENT_SECURITY_POLICY } from '@careerfeed/core';
import { fromBodyParser } from '@careerfeed/http';

/**
 * What the routes people reach from a form (subscribing, commenting) share: the same request
 * answered as a page for a browser and as JSON or problem+json for code, and never cached (the
 * pages carry tokens, typed addresses and personal state).
 */

/** A browser (or anything that did not ask for JSON) gets a page. */
export function wantsHtml(req: Request): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || accept.trim() === '' || accept.trim() === '*/*') return !req.is('application/json');
  return req.accepts(['text/html', 'application/problem+json', 'application/json']) === 'text/html';
}

/** A page answering a form: not stored anywhere, sending no Referer (tokens live in its URLs). */
export function sendFormPage(res: Response, status: number, html: string, csp = PAGE_CONTENT_SECURITY_POLICY): void {
  res.status(status);
  res.vary('Accept');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.send(html);
}

/**
 * Turns a refusal (an AppError, or a body the parsers refused) into a page rendered by
 * `renderPage` for browsers; everyone else gets problem+json from the app's handler. Unknown
 * errors and 5xx other than 503 are left to that handler too, so nothing about them leaks.
 */
export function formErrorPages(renderPage: (error: AppError, req: Request) => Promise<string>): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const known =
      error instanceof AppError
        ? error
        : typeof error === 'object' && error !== null
          ? fromBodyParser(error)
          : undefined;
    if (!known || res.headersSent || (known.status >= 500 && known.status !== 503)) {
      next(error);
      return;
    }
    if (known.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(known.retryAfterSeconds));
    if (known.code === 'SERVICE_UNAVAILABLE') res.setHeader('Retry-After', '30');
    res.setHeader('Cache-Control', 'no-store');
    res.vary('Accept');
    if (!wantsHtml(req)) {
      next(known);
      return;
    }
    renderPage(known, req).then((html) => sendFormPage(res, known.status, html), next);
  };
}
