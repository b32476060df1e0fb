import type { OpenApiDocument } from '@careerfeed/http';
import { NETWORKS } from '@careerfeed/core';
import {
  componentChecker,
  documentValidator,
  expectExamplesValid,
  expectOfflineReference,
  expectOperationsAsListed,
  expectValidOpenApi,
  fetchDocument,
} from '../helpers/openapi';
import { buildPost, uniqueSlug, useIngest } from './support';

/**
 * The OpenAPI document served at /openapi.json is generated from zod schemas. It is checked
 * against the OpenAPI 3.1 schema (by @readme/openapi-parser, not by us), against itself (every
 * example fits its schema), against the running app (every operation it lists exists and demands
 * the key it says; every other method on its paths is a 405), against real responses (validated
 * with ajv against the document's own schemas), and its /docs page must work offline.
 */

const SAMPLE_PARAMETERS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  slug: 'no-such-author',
  messageId: 'msg_none',
};

describe('the OpenAPI document', () => {
  const ctx = useIngest('sqlite');
  let doc: OpenApiDocument;

  beforeAll(async () => {
    doc = await fetchDocument(ctx().ingest.request);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    await expectValidOpenApi(doc);
  });

  it('lists operations that exist, each guarded as documented, and no method it does not list', async () => {
    const called = await expectOperationsAsListed(doc, ctx().ingest.request, SAMPLE_PARAMETERS);
    // Every route of services/ingest/src/**/*.routes.ts, health, metrics and the docs.
    expect(called).toBe(34);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']),
    );
  });

  it('has an example for every request and main response, and each fits its own schema', () => {
    expect(expectExamplesValid(doc)).toBeGreaterThan(60);
  });

  it('catches an example that drifts from its schema', () => {
    const drifted = structuredClone(doc);
    const created = drifted.paths['/v1/posts']!.post!.responses['201']!.content!['application/json']!;
    (created.example as Record<string, unknown>).word_count = 'twelve';
    expect(() => expectExamplesValid(drifted)).toThrow(/createPost|\/v1\/posts/);
  });

  it('describes the share webhooks careerfeed sends, one per network, with the Standard Webhooks headers', () => {
    expect(Object.keys(doc.webhooks ?? {}).sort()).toEqual(NETWORKS.map((n) => `share.${n}`).sort());
    for (const operations of Object.values(doc.webhooks ?? {})) {
      const headers = (operations.post?.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      expect(headers.sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    }
    // A body for one network does not pass as another's.
    const check = documentValidator(doc);
    const x = doc.webhooks!['share.x']!.post!.requestBody!.content['application/json']!;
    const mastodon = doc.webhooks!['share.mastodon']!.post!.requestBody!.content['application/json']!;
    expect(check(x.schema!, x.example)).toBeNull();
    expect(check(mastodon.schema!, x.example)).not.toBeNull();
  });

  it('serves a readable reference at /docs that needs nothing from another host', async () => {
    const html = await expectOfflineReference(ctx().ingest.request, doc);
    expect(html).toContain('careerfeed ingest API');
    expect(html).toContain('id="schema-Post"');
  });

  it('describes the responses the API really gives', async () => {
    const { ingest, auth } = ctx();
    const check = componentChecker(doc);

    const author = uniqueSlug('ada');
    const created = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(
        buildPost({ author: { slug: author, name: 'Ada Quinn', links: { mastodon: 'https://social.example/@ada' } } }),
      );
    expect(created.status).toBe(201);
    check('Post', created.body);
    check('CreatePost', buildPost({ author }));

    const batch = await ingest.request
      .post('/v1/posts:batch')
      .set('Authorization', auth)
      .send({ posts: [buildPost({ author }), buildPost({ author: uniqueSlug('nobody') })] });
    expect(batch.status).toBe(207);
    check('PostsBatchResult', batch.body);
    check('PostsBatch', { posts: [buildPost({ author })] });

    const listed = await ingest.request.get('/v1/posts?limit=1').set('Authorization', auth);
    check('PostPage', listed.body);
    check('AuthorList', (await ingest.request.get('/v1/authors').set('Authorization', auth)).body);
    check('Author', (await ingest.request.get(`/v1/authors/${author}`).set('Authorization', auth)).body);

    const admin = await ingest.bearer('admin');
    const webhook = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: 'http://127.0.0.1:9/hook', networks: ['x', 'bluesky'] });
    expect(webhook.status).toBe(201);
    check('CreatedWebhook', webhook.body);
    check('WebhookList', (await ingest.request.get('/v1/webhooks').set('Authorization', admin)).body);
    const rotated = await ingest.request
      .post(`/v1/webhooks/${webhook.body.id}/rotate-secret`)
      .set('Authorization', admin)
      .send({ overlap_seconds: 60 });
    expect(rotated.status).toBe(200);
    check('RotatedWebhook', rotated.body);
    const deliveries = await ingest.request
      .get(`/v1/webhooks/${webhook.body.id}/deliveries`)
      .set('Authorization', admin);
    expect(deliveries.status).toBe(200);
    check('DeliveryPage', deliveries.body);

    const source = await ingest.request
      .post('/v1/sources')
      .set('Authorization', admin)
      .send({ url: 'http://127.0.0.1:9/feed.xml', interval_minutes: 30 });
    expect(source.status).toBe(201);
    check('Source', source.body);
    check('SourceList', (await ingest.request.get('/v1/sources').set('Authorization', admin)).body);

    const invalid = await ingest.request.post('/v1/posts').set('Authorization', auth).send({ title: 7 });
    expect(invalid.status).toBe(400);
    check('Problem', invalid.body);
    const notFound = await ingest.request.get(`/v1/posts/${SAMPLE_PARAMETERS.id}`).set('Authorization', auth);
    expect(notFound.status).toBe(404);
    check('Problem', notFound.body);

    check('Readiness', (await ingest.request.get('/readyz')).body);
    check('Health', (await ingest.request.get('/healthz')).body);

    // And the request schemas refuse what the API refuses.
    const validate = documentValidator(doc);
    expect(
      validate({ $ref: '#/components/schemas/CreatePost' }, { title: 'x', html: '', author: 'a', publish_at: 'soon' }),
    ).not.toBeNull();
  });
});
