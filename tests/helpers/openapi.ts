import { validate } from '@readme/openapi-parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type supertest from 'supertest';
import type { JsonSchema, OpenApiDocument, OperationObject } from '@careerfeed/http';

/**
 * Checks every service's OpenAPI document the same way: against the OpenAPI 3.1 schema (by
 * @readme/openapi-parser, not by us), its examples against its own schemas (ajv, JSON Schema
 * 2020-12), real answers against its response schemas, and its /docs page for offline use.
 */

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export async function fetchDocument(request: supertest.Agent): Promise<OpenApiDocument> {
  const res = await request.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.body as OpenApiDocument;
}

export async function expectValidOpenApi(doc: OpenApiDocument): Promise<void> {
  const result = await validate(structuredClone(doc) as never);
  expect(result.valid ? [] : result.errors).toEqual([]);
  expect(result.valid).toBe(true);
  expect(doc.openapi).toMatch(/^3\.1\./);
}

/** An ajv instance that knows the document's components, so `$ref`s inside its schemas resolve. */
export function documentValidator(doc: OpenApiDocument): (schema: JsonSchema, value: unknown) => string | null {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'https://careerfeed.invalid/openapi.json', components: doc.components ?? {} });
  const compiled = new Map<string, ValidateFunction>();
  return (schema, value) => {
    // `#/components/…` refs point into the document: rewrite them to the registered copy.
    const text = JSON.stringify(schema).replace(
      /"#\/components\//g,
      '"https://careerfeed.invalid/openapi.json#/components/',
    );
    let check = compiled.get(text);
    if (!check) {
      check = ajv.compile(JSON.parse(text) as object);
      compiled.set(text, check);
    }
    return check(value) ? null : ajv.errorsText(check.errors);
  };
}

/** Validates `body` against the named component schema; a readable diff on failure. */
export function componentChecker(doc: OpenApiDocument): (name: string, body: unknown) => void {
  const check = documentValidator(doc);
  return (name, body) => {
    expect(doc.components?.schemas?.[name]).toBeDefined();
    const errors = check({ $ref: `#/components/schemas/${name}` }, body);
    expect({ schema: name, errors }).toEqual({ schema: name, errors: null });
  };
}

interface ListedOperation {
  where: string;
  operation: OperationObject;
}

function listed(doc: OpenApiDocument): ListedOperation[] {
  return [
    ...Object.entries(doc.paths).map(([path, ops]) => ['', path, ops] as const),
    ...Object.entries(doc.webhooks ?? {}).map(([name, ops]) => ['webhook ', name, ops] as const),
  ].flatMap(([kind, path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
      .map(([method, operation]) => ({ where: `${kind}${method.toUpperCase()} ${path}`, operation })),
  );
}

/**
 * Every operation has an example of its request body (each media type) and of its main answer
 * (the first 2xx with a body), and every example in the document validates against the schema
 * beside it. Returns how many examples were checked.
 */
export function expectExamplesValid(doc: OpenApiDocument): number {
  const check = documentValidator(doc);
  const problems: string[] = [];
  let checked = 0;
  for (const { where, operation } of listed(doc)) {
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
      if (media.example === undefined) problems.push(`${where}: request ${type} has no example`);
    }
    const main = Object.entries(operation.responses)
      .filter(([status]) => /^2/.test(status))
      .sort(([a], [b]) => a.localeCompare(b))
      .find(([, response]) => response.content);
    for (const [type, media] of Object.entries(main?.[1].content ?? {})) {
      if (media.example === undefined) problems.push(`${where}: response ${main?.[0]} ${type} has no example`);
    }
    const contents = [
      ...Object.entries(operation.requestBody?.content ?? {}).map(([type, m]) => [`request ${type}`, m] as const),
      ...Object.entries(operation.responses).flatMap(([status, r]) =>
        Object.entries(r.content ?? {}).map(([type, m]) => [`${status} ${type}`, m] as const),
      ),
    ];
    for (const [label, media] of contents) {
      if (media.example === undefined || !media.schema) continue;
      checked++;
      const errors = check(media.schema, media.example);
      if (errors) problems.push(`${where} ${label}: the example does not fit its schema: ${errors}`);
    }
    for (const parameter of operation.parameters ?? []) {
      const sample = parameter.example ?? parameter.schema?.example;
      if (sample === undefined || !parameter.schema) continue;
      checked++;
      const errors = check(parameter.schema, sample);
      if (errors) problems.push(`${where} parameter ${parameter.name}: ${errors}`);
    }
  }
  expect(problems).toEqual([]);
  return checked;
}

/**
 * The answer to every listed operation, without credentials and with sample path parameters:
 * secured operations say 401, open ones answer as `expectedOpen` says; every method the document
 * does not list on a listed path is a 405 (or what `expectedUnlisted` says). Returns the operations called.
 */
export async function expectOperationsAsListed(
  doc: OpenApiDocument,
  request: supertest.Agent,
  samples: Record<string, string>,
  expectedOpen: (method: string, path: string) => number = () => 200,
  expectedUnlisted: (method: string, path: string) => number = () => 405,
): Promise<number> {
  let called = 0;
  for (const [template, operations] of Object.entries(doc.paths)) {
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => samples[name] ?? 'x');
    for (const method of HTTP_METHODS) {
      const operation = operations[method];
      const res = await request[method](path);
      const label = `${method.toUpperCase()} ${template}`;
      if (!operation) {
        expect(`${label}: ${res.status}`).toBe(`${label}: ${expectedUnlisted(method, template)}`);
        continue;
      }
      called++;
      const secured = (operation.security ?? doc.security ?? []).length > 0;
      const expected = secured ? 401 : expectedOpen(method, template);
      expect(`${label}: ${res.status}`).toBe(`${label}: ${expected}`);
      expect({ label, statuses: Object.keys(operation.responses) }).toEqual({
        label,
        statuses: expect.arrayContaining([String(res.status)]),
      });
    }
  }
  return called;
}

/**
 * GET /docs: an HTML page whose every referenced script, stylesheet, image or link on this
 * service answers 200 here, that points at no other host, and whose CSP allows nothing else.
 * Returns the HTML.
 */
export async function expectOfflineReference(request: supertest.Agent, doc: OpenApiDocument): Promise<string> {
  const res = await request.get('/docs');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toMatch(/https?:|\*/);
  const html = res.text;

  // Every URL the page makes the browser fetch or follow: attributes and CSS url()s.
  const references = [
    ...html.matchAll(/\s(?:src|href|srcset|action|poster|data|formaction)\s*=\s*"([^"]*)"/gi),
    ...html.matchAll(/\s(?:src|href|srcset|action|poster|data|formaction)\s*=\s*'([^']*)'/gi),
  ].map((m) => m[1]!);
  expect(references.length).toBeGreaterThan(0);
  const elsewhere = references.filter((url) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(url));
  expect(elsewhere).toEqual([]);
  const local = [...new Set(references.filter((url) => url.startsWith('/')))];
  for (const url of local) {
    const asset = await request.get(url);
    expect(`${url}: ${asset.status}`).toBe(`${url}: 200`);
    if (/\.css$/.test(url)) {
      expect(asset.headers['content-type']).toMatch(/^text\/css/);
      expect(asset.text).not.toMatch(/url\(|@import/);
    }
  }
  expect(local).toEqual(expect.arrayContaining(['/docs/reference.css', '/openapi.json']));
  // No element that would load anything: the page is HTML and one stylesheet.
  expect(html).not.toMatch(/<(script|iframe|img|object|embed|video|audio|base)\b/i);

  // Every operation is on the page.
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  const missing = listed(doc)
    .map(({ where, operation }) => ({ where, id: operation.operationId }))
    .filter(({ id }) => !ids.has(`op-${id}`) && !ids.has(`webhook-${id}`));
  expect(missing).toEqual([]);
  return html;
}
