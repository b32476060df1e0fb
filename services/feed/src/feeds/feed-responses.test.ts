import express from 'express';
import supertest from 'supertest';
import { FeedCache } from '@careerfeed/feeds';
import { sendFeed } from './feed-responses';

function cachedFeed() {
  return new FeedCache(60_000).set('rss|site||20|1', {
    contentType: 'application/rss+xml; charset=utf-8',
    body: '<rss version="2.0"><channel><title>Careers</title></channel></rss>',
    lastModifiedMs: Date.UTC(2025, 2, 1, 14, 0, 0, 250),
    scopeKey: 'site',
  });
}

describe('sendFeed', () => {
  test('when express middleware set headers before it, then they are kept and the feed headers replace the same names', async () => {
    const feed = cachedFeed();
    const app = express();
    app.use((_req, res, next) => {
      res.setHeader('X-Request-Id', 'req-1');
      res.setHeader('Cache-Control', 'no-store');
      next();
    });
    app.get('/feed.xml', (req, res) => void sendFeed(req, res, feed));

    for (const [headers, status] of [
      [{}, 200],
      [{ 'If-None-Match': feed.etag }, 304],
    ] as const) {
      const response = await supertest(app)
        .get('/feed.xml')
        .set({ 'Accept-Encoding': 'identity', ...headers });
      expect(response.status).toBe(status);
      expect(response.headers['x-request-id']).toBe('req-1');
      expect(response.headers['cache-control']).toBe('public, max-age=300, s-maxage=1, stale-while-revalidate=3600');
      expect(response.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
      expect(response.headers.etag).toBe(feed.etag);
      expect(response.headers['last-modified']).toBe('Sat, 01 Mar 2025 14:00:00 GMT');
      expect(response.headers['content-length']).toBe(status === 200 ? String(feed.identity.length) : undefined);
    }
  });

  test('when the negotiated encoding is not compressed yet, then it writes nothing and returns false', async () => {
    const feed = cachedFeed();
    const app = express();
    app.disable('x-powered-by');
    app.get('/feed.xml', (req, res) => {
      const sent = sendFeed(req, res, feed);
      res.status(299).json({ sent, headersSent: res.headersSent, headers: res.getHeaderNames() });
    });
    const response = await supertest(app).get('/feed.xml').set('Accept-Encoding', 'br');
    expect(response.status).toBe(299);
    expect(response.body).toEqual({ sent: false, headersSent: false, headers: [] });
  });
});
