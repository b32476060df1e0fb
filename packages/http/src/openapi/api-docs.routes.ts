import type { Express } from 'express';
import { methodNotAllowed } from '../problems';
import { REFERENCE_CSS, renderApiReference } from './api-reference.page';
import type { OpenApiDocument } from './openapi-document';

/**
 * The reference page loads one stylesheet from this service and nothing else: no script, no
 * font, no image, no frame, nothing from another host.
 */
export const API_REFERENCE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET /openapi.json (the document, public: it holds no data and clients generate code from it),
 * GET /docs (the readable reference) and GET /docs/reference.css. Both bodies are made once.
 */
export function mountApiDocs(app: Express, document: OpenApiDocument): void {
  const json = JSON.stringify(document);
  const html = renderApiReference(document, '/docs/reference.css');
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  app.get('/docs', (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', API_REFERENCE_CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(html);
  });
  app.get('/docs/reference.css', (_req, res) => {
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(REFERENCE_CSS);
  });
  app.all(['/openapi.json', '/docs', '/docs/reference.css'], methodNotAllowed(['GET', 'HEAD']));
}
