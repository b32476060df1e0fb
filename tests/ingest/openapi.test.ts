import { validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildPost, uniqueSlug, useIngest } from './support';

/**
 * The OpenAPI document served at /openapi.json is checked three ways: against the OpenAPI 3.1
 * schema (by @readme/openapi-parser, not by us), against the running app (every operation it lists
 * exists and demands the key it says; every other method on its paths is a 405), and against real
 * responses (validated with ajv against the document's own response schemas).
 */

type OpenApi = {
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, object> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const SAMPLE_PARAMETERS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  slug: 'no-such-author',
  messageId: 'msg_none',
};

describe('the OpenAPI document', () => {
  const ctx = useIngest('sqlite');
  let doc: OpenApi;

  beforeAll(async () => {
    const res = await ctx().ingest.request.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as OpenApi;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists operations that exist, each guarded as documented, and no method it does not list', async () => {
    const { ingest } = ctx();
    for (const [template, operations] of Object.entries(doc.paths)) {
      const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => SAMPLE_PARAMETERS[name] ?? 'x');
      for (const method of METHODS) {
        const operation = operations[method];
        const res = await ingest.request[method](path);
        if (!operation) {
          expect(`${method.toUpperCase()} ${template}: ${res.status}`).toBe(`${method.toUpperCase()} ${template}: 405`);
          continue;
        }
        const secured = operation.security === undefined || operation.security.length > 0;
        const expected = secured ? 401 : 200;
        expect(`${method.toUpperCase()} ${template}: ${res.status}`).toBe(
          `${method.toUpperCase()} ${template}: ${expected}`,
        );
        expect(Object.keys(operation.responses)).toContain(String(res.status));
      }
    }
    // The loop above would pass on an empty document.
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(14);
  });

  it('describes the responses the API really gives', async () => {
    const { ingest, auth } = ctx();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    const check = (schemaName: string, body: unknown) => {
      const valid = ajv.validate(`#/components/schemas/${schemaName}`, body);
      expect({ schemaName, errors: valid ? null : ajv.errorsText() }).toEqual({ schemaName, errors: null });
    };

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
    check('Webhook', webhook.body);
    check('WebhookList', (await ingest.request.get('/v1/webhooks').set('Authorization', admin)).body);
    const deliveries = await ingest.request
      .get(`/v1/webhooks/${webhook.body.id}/deliveries`)
      .set('Authorization', admin);
    expect(deliveries.status).toBe(200);
    check('DeliveryPage', deliveries.body);

    const invalid = await ingest.request.post('/v1/posts').set('Authorization', auth).send({ title: 7 });
    expect(invalid.status).toBe(400);
    check('Problem', invalid.body);

    // And the request schemas refuse what the API refuses.
    expect(
      ajv.validate('#/components/schemas/CreatePost', { title: 'x', html: '', author: 'a', publish_at: 'soon' }),
    ).toBe(false);
  });
});
