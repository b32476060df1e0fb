import { randomBytes } from 'node:crypto';
import { FEED_MEDIA_TYPES } from '@careerfeed/core';
import type { OpenApiDocument } from '@careerfeed/http';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import {
  componentChecker,
  expectExamplesValid,
  expectOfflineReference,
  expectOperationsAsListed,
  expectValidOpenApi,
  fetchDocument,
} from '../helpers/openapi';

/**
 * The feed service's OpenAPI document (feeds, pages, subscriptions): valid OpenAPI 3.1, every
 * example fits its schema, every operation it lists answers as documented, real answers fit the
 * schemas, and /docs works offline.
 */

/** What each open operation answers to a bare request (no body, no token, unknown slugs). */
const BARE_ANSWERS: Record<string, number> = {
  'post /subscribe': 400,
  'get /subscribe/confirm': 400,
  'get /preferences': 400,
  'post /preferences': 400,
  'get /unsubscribe': 400,
  'post /unsubscribe': 400,
  'get /posts/{slug}': 404,
  'get /embed/topics/{slug}': 404,
  'get /embed/authors/{slug}': 404,
  'get /embed/posts/{slug}': 404,
  'get /oembed': 400,
  // No parts while the sitemap fits in one file.
  'get /sitemap-{part}.xml': 404,
  'post /posts/{slug}/comments': 400,
  'get /posts/{slug}/comments/feed.xml': 404,
  'get /comments/notifications/confirm': 400,
  'get /comments/notifications/unsubscribe': 400,
  'post /comments/notifications/unsubscribe': 400,
  'get /v1/search': 400,
};

describe('the feed service OpenAPI document', () => {
  let database: TestDatabase;
  let feed: FeedInstance;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    feed = await startFeedInstance(database.db, `openapi-${randomBytes(4).toString('hex')}`);
    doc = await fetchDocument(feed.request);
  });
  afterAll(async () => {
    await feed?.close();
    await database?.drop();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    await expectValidOpenApi(doc);
  });

  it('lists every feed, page and subscription route, each answering as documented', async () => {
    const called = await expectOperationsAsListed(
      doc,
      feed.request,
      { tag: 'no-such-tag', category: 'no-such-category', topic: 'no-such-topic', slug: 'no-such-slug', part: '1' },
      (method, path) =>
        BARE_ANSWERS[`${method} ${path}`] ?? (/^\/(tags|categories|topics|authors)\/\{/.test(path) ? 404 : 200),
      // The page routes are GET only and say nothing of other methods: those fall through to the
      // app's 404 (the feed and subscription routes answer 405).
      (_method, path) =>
        /^\/(posts|tags|categories|topics|authors)\/(\{\w+\}\/?)?$/.test(path) ||
        ['/', '/search', '/v1/search', '/opensearch.xml'].includes(path) ||
        path.startsWith('/about/') ||
        path.startsWith('/sitemap-') ||
        path.startsWith('/embed') ||
        path === '/theme.css' ||
        path === '/oembed'
          ? 404
          : 405,
    );
    // 15 feeds, 8 pages, 3 search operations, the theme, 4 documents, 7 subscription operations, 6 embed operations,
    // 6 comment operations, health, readiness, metrics, document, reference.
    expect(called).toBe(55);
    for (const path of ['/feed.xml', '/feed.atom', '/feed.json', '/tags/{tag}/feed.json', '/authors/{slug}/feed.atom'])
      expect(doc.paths[path]?.get).toBeDefined();
  });

  it('has an example for every request and main response, and each fits its own schema', () => {
    expect(expectExamplesValid(doc)).toBeGreaterThan(40);
  });

  it('serves a readable reference at /docs that needs nothing from another host', async () => {
    const html = await expectOfflineReference(feed.request, doc);
    expect(html).toContain('id="op-subscribe"');
  });

  it('describes the answers the service really gives', async () => {
    const check = componentChecker(doc);
    for (const [path, format] of [
      ['/feed.xml', 'rss'],
      ['/feed.atom', 'atom'],
      ['/feed.json', 'json'],
    ] as const) {
      const res = await feed.request.get(path);
      expect(res.status).toBe(200);
      expect(Object.keys(doc.paths[path]!.get!.responses['200']!.content!)).toEqual([FEED_MEDIA_TYPES[format]]);
      expect(res.headers['content-type']).toBe(FEED_MEDIA_TYPES[format]);
      expect(res.headers.etag).toBeDefined();
      const again = await feed.request.get(path).set('If-None-Match', res.headers.etag!);
      expect(again.status).toBe(304);
      expect(Object.keys(doc.paths[path]!.get!.responses)).toContain('304');
    }
    const badLimit = await feed.request.get('/feed.json?limit=0').set('Accept', 'application/json');
    expect(badLimit.status).toBe(400);
    check('Problem', badLimit.body);

    const accepted = await feed.request
      .post('/subscribe')
      .set('Accept', 'application/json')
      .send({ email: `openapi-${randomBytes(3).toString('hex')}@example.edu`, frequency: 'weekly' });
    expect(accepted.status).toBe(202);
    check('SubscribeAccepted', accepted.body);
    check('SubscribeBody', { email: 'a@example.edu', topics: 'internships', hour: '8' });

    const invalid = await feed.request
      .post('/subscribe')
      .set('Accept', 'application/json')
      .send({ email: 'not an address', frequency: 'hourly' });
    expect(invalid.status).toBe(400);
    check('Problem', invalid.body);
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'frequency']);

    const badToken = await feed.request.post('/unsubscribe?token=nope').set('Accept', 'application/json');
    expect(badToken.status).toBe(400);
    check('Problem', badToken.body);

    const search = await feed.request.get('/v1/search?q=career');
    expect(search.status).toBe(200);
    check('SearchResults', search.body);
    const badSearch = await feed.request.get('/v1/search?q=a&limit=500');
    expect(badSearch.status).toBe(400);
    check('Problem', badSearch.body);

    check('Health', (await feed.request.get('/healthz')).body);
    check('Readiness', (await feed.request.get('/readyz')).body);
  });
});
