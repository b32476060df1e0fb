import fc from 'fast-check';
import { type Components, type JsonSchema, schemaArbitrary } from './schema-arbitrary';

/**
 * Requests generated from an OpenAPI 3.1 document: for every operation, paths with valid-looking
 * and hostile parameters, queries, headers and bodies (schema-derived, then mutated). Everything
 * here is plain data, so a case prints as the request it is and reruns from its seed.
 */

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
  example?: unknown;
}

interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  security?: Record<string, unknown>[];
  requestBody?: { content: Record<string, { schema?: JsonSchema; example?: unknown }> };
}

export interface FuzzDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Components };
  security?: Record<string, unknown>[];
}

export interface FuzzOperation {
  /** operationId, or `METHOD /template`. */
  id: string;
  method: string;
  template: string;
  secured: boolean;
  parameters: Parameter[];
  bodies: { type: string; schema?: JsonSchema; example?: unknown }[];
  /** The methods the path does not list (a request with one of them is a 405). */
  unlisted: string[];
}

export function listOperations(doc: FuzzDocument): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const listed = HTTP_METHODS.filter((m) => item[m]);
    for (const method of listed) {
      const op = item[method] as Operation;
      out.push({
        id: op.operationId ?? `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        secured: (op.security ?? doc.security ?? []).length > 0,
        parameters: op.parameters ?? [],
        bodies: Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => ({
          type,
          schema: media.schema,
          example: media.example,
        })),
        unlisted: HTTP_METHODS.filter((m) => !item[m]).map((m) => m.toUpperCase()),
      });
    }
  }
  return out;
}

/** One request as sent: `path` is the request target on the wire (already percent-encoded). */
export interface FuzzRequest {
  service: string;
  operation: string;
  /** Its place among the operation's cases (0-based): with the seed, what reruns it. */
  round?: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What the generator may use that only the running system knows: keys and existing resources. */
export interface FuzzContext {
  service: string;
  components: Components;
  /** Authorization header values that pass (e.g. an admin and a posts:write key). */
  validAuthorizations: string[];
  /** Known values per path-parameter name (ids and slugs of seeded resources), for valid-looking paths. */
  pathValues: Record<string, string[]>;
  /** Known values per query-parameter name (e.g. signed subscriber tokens). */
  queryValues?: Record<string, string[]>;
}

/** encodeURIComponent, with lone surrogates (which it refuses) replaced by U+FFFD. */
function encode(value: string): string {
  return encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

// ---------------------------------------------------------------- hostile building blocks

const TEN_KB = 'a'.repeat(10 * 1024);
const ONE_MB = 'x'.repeat(1024 * 1024);
const HOSTILE_HTML = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '<svg/onload=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  ']]></title><script>x</script>',
  '<!--',
  '<iframe src="//evil.example"></iframe>',
  '&lt;&#x3c;&#0;',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  "' OR '1'='1",
  '"; DROP TABLE posts; --',
  '\u0000',
  '\u202e\u200b',
  '😀'.repeat(20),
  'Ω≈ç√∫',
  '\ud800',
  '%00',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  ...HOSTILE_HTML,
];

/** Raw path segments, as they go on the wire. Some of these are malformed on purpose. */
const HOSTILE_SEGMENTS = [
  '..',
  '%2e%2e',
  '.',
  '%2F',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%25',
  '%ff', // not UTF-8 once decoded
  '%c3%28', // an invalid 2-byte UTF-8 sequence
  '%', // a lone percent
  '%zz',
  '%E2%82', // truncated 3-byte sequence
  encode('ünïcødé-😀'),
  encode('\u202e\u200b'),
  encode("' OR '1'='1"),
  encode('<script>alert(1)</script>'),
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF',
  '-1',
  '0',
  '1e309',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

const BOGUS_AUTHORIZATIONS = [
  'Bearer',
  'Bearer ',
  'Bearer x',
  'Bearer cf_00000000000000000000000000000000',
  'Basic YWRtaW46YWRtaW4=',
  'bearer    ',
  `Bearer ${TEN_KB}`,
  'Token abc',
  'Bearer \u00e9\u00e9',
  'Bearer a.b.c',
];

const BOGUS_CONTENT_TYPES = [
  'text/plain',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json',
  '*/*',
  'application/',
  ';;;',
  'application/json; charset=',
  'application/merge-patch+json',
];

const ACCEPTS = [
  '*/*',
  'application/json',
  'application/problem+json',
  'text/html',
  'application/xml;q=0.9, */*;q=0.1',
  'image/png',
  'text/html;q=abc',
  ';;;,,,',
  'application/rss+xml',
];

const IF_NONE_MATCH = ['*', '"abc"', 'W/"abc"', '"', 'W/', '"' + 'a'.repeat(2000) + '"', '"a", "b", *', 'garbage'];

const QUERY_VALUES = [
  '',
  '0',
  '-1',
  '-100',
  '1',
  '100',
  '101',
  '99999999999999999999999',
  '1e309',
  '1.5',
  'NaN',
  'Infinity',
  '0x10',
  'abc',
  '%ff',
  '%',
  encode('ünï😀'),
  TEN_KB,
  'true',
  'null',
];

// ---------------------------------------------------------------- arbitraries

/** The seeded values for parameter `name` of `template`: `posts:id` (the segment before it) first, then `id`. */
function knownValues(template: string, name: string, ctx: FuzzContext): string[] {
  const before = new RegExp(`([^/{}]+)/\\{${name}\\}`).exec(template)?.[1];
  return (before !== undefined ? ctx.pathValues[`${before}:${name}`] : undefined) ?? ctx.pathValues[name] ?? [];
}

function segmentFor(
  name: string,
  ctx: FuzzContext,
  parameter: Parameter | undefined,
  known: string[],
): fc.Arbitrary<string> {
  const fromSchema = parameter?.schema
    ? schemaArbitrary(parameter.schema, ctx.components).map((v) => encode(String(v)))
    : fc.constant('x');
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 3, arbitrary: fromSchema },
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    { weight: 1, arbitrary: fc.constant(TEN_KB) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map((v) => encode(v)) },
  ];
  if (known.length > 0) options.push({ weight: 6, arbitrary: fc.constantFrom(...known.map((v) => encode(v))) });
  return fc.oneof(...options);
}

function queryValueFor(parameter: Parameter, ctx: FuzzContext): fc.Arbitrary<string> {
  const fromSchema = parameter.schema
    ? schemaArbitrary(parameter.schema, ctx.components).map((v) => encode(String(v)))
    : fc.constant('1');
  const known = ctx.queryValues?.[parameter.name] ?? [];
  return fc.oneof(
    { weight: known.length > 0 ? 5 : 0, arbitrary: fc.constantFrom(...known, '').map((v) => encode(v)) },
    { weight: 5, arbitrary: fromSchema },
    { weight: 3, arbitrary: fc.constantFrom(...QUERY_VALUES) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map((v) => encode(v)) },
  );
}

/** `name=value` pairs: declared parameters (some repeated, some bracketed), unknown ones too. */
function queryArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<string> {
  const declared = op.parameters.filter((p) => p.in === 'query');
  const parts: fc.Arbitrary<string[]>[] = declared.map((parameter) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant<string[]>([]) },
      { weight: 4, arbitrary: queryValueFor(parameter, ctx).map((v) => [`${parameter.name}=${v}`]) },
      {
        weight: 1,
        arbitrary: fc
          .array(queryValueFor(parameter, ctx), { minLength: 2, maxLength: 3 })
          .map((vs) => vs.map((v) => `${parameter.name}=${v}`)),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('[]', '[0]', '[a]', '[__proto__]', '.x')
          .chain((suffix) => queryValueFor(parameter, ctx).map((v) => [`${parameter.name}${suffix}=${v}`])),
      },
    ),
  );
  const unknown = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string[]>([]) },
    {
      weight: 1,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.constantFrom('foo', '__proto__', 'constructor[prototype]', 'a[b][c][d]', 'x'.repeat(300), 'limit%00'),
            fc.constantFrom(...QUERY_VALUES),
          ),
          { maxLength: 4 },
        )
        .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`)),
    },
    { weight: 1, arbitrary: fc.constantFrom(['&&&'], ['='], ['a=1&a=2&a=3'], ['%ff=1'], ['a'.repeat(9000)]) },
  );
  const fuzzed = fc.tuple(fc.tuple(...parts), unknown).map(([declaredParts, unknownParts]) => {
    const all = [...declaredParts.flat(), ...unknownParts];
    return all.length > 0 ? `?${all.join('&')}` : '';
  });
  // No query at all now and then, so list operations are also reached with their defaults.
  return fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fuzzed });
}

function pathArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<string> {
  const names = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const base = fc
    .tuple(
      ...names.map((name) =>
        segmentFor(
          name,
          ctx,
          op.parameters.find((p) => p.in === 'path' && p.name === name),
          knownValues(op.template, name, ctx),
        ),
      ),
    )
    .map((values) => {
      let i = 0;
      return op.template.replace(/\{(\w+)\}/g, () => values[i++]!);
    });
  // Now and then a mangled spelling of the route itself: a trailing slash, doubled slashes, case.
  return fc.oneof(
    { weight: 12, arbitrary: base },
    { weight: 1, arbitrary: base.map((p) => (p.endsWith('/') ? p.slice(0, -1) : `${p}/`)) },
    { weight: 1, arbitrary: base.map((p) => p.replace(/\//g, '//')) },
    { weight: 1, arbitrary: base.map((p) => p.toUpperCase()) },
    { weight: 1, arbitrary: base.map((p) => `${p}/..`) },
  );
}

/** Wrong-typed stand-ins for any JSON value. */
const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  true,
  '',
  [],
  {},
  [null],
  { $gt: '' },
  '<script>alert(1)</script>',
  Number.MAX_SAFE_INTEGER + 2,
];

function deepNest(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

type Mutation = (value: unknown, pick: number, pickValue: unknown) => unknown;

function objectKeys(value: unknown): string[] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
}

const MUTATIONS: Record<string, Mutation> = {
  wrongType: (value, pick, wrong) => {
    const keys = objectKeys(value);
    if (keys.length === 0) return wrong;
    return { ...(value as object), [keys[pick % keys.length]!]: wrong };
  },
  missingField: (value, pick) => {
    const keys = objectKeys(value);
    if (keys.length === 0) return value;
    const copy = { ...(value as Record<string, unknown>) };
    delete copy[keys[pick % keys.length]!];
    return copy;
  },
  extraField: (value, _pick, wrong) => ({
    ...(value && typeof value === 'object' ? value : {}),
    unexpected_field: wrong,
  }),
  protoField: (value) =>
    JSON.parse(`{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"v":${JSON.stringify(value ?? null)}}`),
  deepNesting: (value, pick) => {
    const keys = objectKeys(value);
    const nested = deepNest(500 + (pick % 1500), 'leaf');
    if (keys.length === 0) return nested;
    return { ...(value as object), [keys[pick % keys.length]!]: nested };
  },
  hugeString: (value, pick) => {
    const keys = objectKeys(value);
    if (keys.length === 0) return ONE_MB;
    return { ...(value as object), [keys[pick % keys.length]!]: ONE_MB };
  },
  tenKbStrings: (value) => {
    const keys = objectKeys(value);
    return Object.fromEntries(keys.map((k) => [k, TEN_KB]));
  },
  hostileHtml: (value, pick) => {
    const html = HOSTILE_HTML[pick % HOSTILE_HTML.length]!;
    const keys = objectKeys(value);
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const k of keys) if (typeof copy[k] === 'string') copy[k] = `${copy[k] as string}${html}`;
    copy.title = `${html} title`;
    return copy;
  },
  hostileStrings: (value, pick) => {
    const keys = objectKeys(value);
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [i, k] of keys.entries()) copy[k] = HOSTILE_STRINGS[(pick + i) % HOSTILE_STRINGS.length];
    return copy;
  },
  arrayInstead: (value) => [value, value],
};

/** A body: the raw text and the Content-Type it is sent with (before header mutations). */
interface Body {
  text: string;
  type: string;
}

function encodeBody(value: unknown, type: string): string {
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams();
    for (const [key, v] of Object.entries(value && typeof value === 'object' ? value : { value })) {
      if (Array.isArray(v))
        for (const item of v) params.append(key, typeof item === 'string' ? item : JSON.stringify(item));
      else params.append(key, typeof v === 'string' ? v : JSON.stringify(v));
    }
    return params.toString();
  }
  return JSON.stringify(value) ?? 'null';
}

const INVALID_JSON = [
  '{"title": "Unclosed',
  '{',
  '}',
  '{"a":1,}',
  "{'a':1}",
  'NaN',
  'null',
  '"just a string"',
  '1e999999',
  '[',
  '\u0000',
  '\ufeff{"a":1}',
  '{"a":"\\ud800"}',
  '{"a":1}{"b":2}',
  '[' + '['.repeat(20000),
  '{"a":' + '{"a":'.repeat(3000) + '1' + '}'.repeat(3001),
];

/** `{"a":{"a":…"leaf"…}}`, `depth` deep, as text: too deep for JSON.stringify to build, not for a parser to read. */
function deepJsonText(depth: number): string {
  return `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
}

/**
 * Deeply nested JSON written as text (5,000 to 50,000 levels): the whole body, or under one of the
 * example's own fields so that it gets past "unknown field" and into the code that reads the value.
 */
function deepBodyArbitrary(example: unknown): fc.Arbitrary<string> {
  const keys = objectKeys(example);
  return fc.tuple(fc.constantFrom(5_000, 50_000), fc.nat()).map(([depth, pick]) => {
    if (keys.length === 0 || pick % 3 === 0) return deepJsonText(depth);
    const key = keys[pick % keys.length]!;
    const rest = { ...(example as Record<string, unknown>) };
    delete rest[key];
    const restText = JSON.stringify(rest).slice(1, -1);
    return `{${JSON.stringify(key)}:${deepJsonText(depth)}${restText ? `,${restText}` : ''}}`;
  });
}

function bodyArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<Body | undefined> {
  if (op.bodies.length === 0) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...INVALID_JSON).map((text) => ({ text, type: 'application/json' })) },
      {
        weight: 1,
        arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
      },
    );
  }
  const perMedia = op.bodies.map((media) => {
    const valid = fc.oneof(
      { weight: 2, arbitrary: media.schema ? schemaArbitrary(media.schema, ctx.components) : fc.jsonValue() },
      {
        weight: media.example === undefined ? 0 : 3,
        arbitrary: fc.constant(media.example).map((e) => structuredClone(e)),
      },
    );
    const mutated = fc
      .tuple(valid, fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat(), fc.constantFrom(...WRONG_VALUES))
      .map(([value, name, pick, wrong]) => {
        // Rare on purpose: 1 MB and 5,000-deep bodies are slow to send and to refuse.
        if ((name === 'hugeString' || name === 'deepNesting') && pick % 4 !== 0)
          return MUTATIONS.wrongType!(value, pick, wrong);
        return MUTATIONS[name]!(value, pick, wrong);
      });
    return fc.oneof(
      { weight: 6, arbitrary: valid.map((v) => ({ text: encodeBody(v, media.type), type: media.type })) },
      { weight: 5, arbitrary: mutated.map((v) => ({ text: encodeBody(v, media.type), type: media.type })) },
      { weight: 1, arbitrary: fc.constantFrom(...INVALID_JSON).map((text) => ({ text, type: media.type })) },
      {
        weight: media.type === 'application/json' ? 1 : 0,
        arbitrary: deepBodyArbitrary(media.example).map((text) => ({ text, type: media.type })),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  });
  return fc.oneof(...perMedia);
}

function headersArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<Record<string, string>> {
  const authorization: fc.Arbitrary<string | undefined> =
    ctx.validAuthorizations.length > 0
      ? fc.oneof(
          { weight: op.secured ? 7 : 1, arbitrary: fc.constantFrom(...ctx.validAuthorizations) },
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: fc.constantFrom(...BOGUS_AUTHORIZATIONS) },
        )
      : fc.oneof(fc.constant(undefined), fc.constantFrom(...BOGUS_AUTHORIZATIONS));
  const optional = (weight: number, values: fc.Arbitrary<string>) =>
    fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: values });
  return fc
    .record({
      authorization,
      accept: optional(2, fc.constantFrom(...ACCEPTS)),
      ifNoneMatch: optional(4, fc.constantFrom(...IF_NONE_MATCH)),
      contentType: optional(5, fc.constantFrom(...BOGUS_CONTENT_TYPES)),
      contentEncoding: optional(12, fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip')),
      acceptEncoding: optional(3, fc.constantFrom('gzip', 'br', 'gzip;q=0, *;q=0', 'identity;q=0', 'zstd')),
      forwardedFor: optional(6, fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1', ''.padEnd(500, '1,'))),
      hugeContentLength: fc.oneof(
        { weight: 150, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    })
    .map((h) => {
      const out: Record<string, string> = {};
      if (h.authorization !== undefined) out.authorization = h.authorization;
      if (h.accept !== undefined) out.accept = h.accept;
      if (h.ifNoneMatch !== undefined) out['if-none-match'] = h.ifNoneMatch;
      if (h.contentType !== undefined) out['content-type'] = h.contentType;
      if (h.contentEncoding !== undefined) out['content-encoding'] = h.contentEncoding;
      if (h.acceptEncoding !== undefined) out['accept-encoding'] = h.acceptEncoding;
      if (h.forwardedFor !== undefined) out['x-forwarded-for'] = h.forwardedFor;
      if (h.hugeContentLength) out['content-length'] = '99999999999999';
      return out;
    });
}

/** Hostile requests: mostly the operation's own method, now and then one the path does not list. */
/**
 * A request as a well-behaved client would send it: seeded path values, no query, a valid key,
 * the document's example (or a schema value) with its own Content-Type. These reach the code
 * behind authentication and validation, so that what the hostile cases do there is checked
 * against a store that real writes have changed.
 */
function cleanRequestArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const names = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const path = fc
    .tuple(
      ...names.map((name) => {
        const known = knownValues(op.template, name, ctx);
        return known.length > 0 ? fc.constantFrom(...known.map((v) => encode(v))) : fc.constant('x');
      }),
    )
    .map((values) => {
      let i = 0;
      return op.template.replace(/\{(\w+)\}/g, () => values[i++]!);
    });
  const authorization =
    ctx.validAuthorizations.length > 0 ? fc.constantFrom(...ctx.validAuthorizations) : fc.constant(undefined);
  const body: fc.Arbitrary<Body | undefined> =
    op.bodies.length === 0
      ? fc.constant(undefined)
      : fc.oneof(
          ...op.bodies.map((media) =>
            fc
              .oneof(
                {
                  weight: media.example === undefined ? 0 : 3,
                  arbitrary: fc.constant(media.example).map((e) => structuredClone(e)),
                },
                { weight: 1, arbitrary: media.schema ? schemaArbitrary(media.schema, ctx.components) : fc.jsonValue() },
              )
              .map((value) => ({ text: encodeBody(value, media.type), type: media.type })),
          ),
        );
  // Query parameters the system knows values for (tokens): a client sends them.
  const query = fc
    .tuple(
      ...op.parameters
        .filter((p) => p.in === 'query' && (ctx.queryValues?.[p.name] ?? []).length > 0)
        .map((p) => fc.constantFrom(...ctx.queryValues![p.name]!).map((v) => `${p.name}=${encode(v)}`)),
    )
    .map((pairs) => (pairs.length > 0 ? `?${pairs.join('&')}` : ''));
  return fc.record({ path, query, authorization, body }).map(({ path, query, authorization, body }) => {
    const request: FuzzRequest = {
      service: ctx.service,
      operation: op.id,
      method: op.method,
      path: `${path}${query}`,
      headers: {},
    };
    if (authorization !== undefined) request.headers.authorization = authorization;
    if (body !== undefined) {
      request.body = body.text;
      request.headers['content-type'] = body.type;
    }
    return request;
  });
}

/** Requests for one operation: a quarter well-behaved, the rest hostile in one or more parts. */
export function requestArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 1, arbitrary: cleanRequestArbitrary(op, ctx) },
    { weight: 3, arbitrary: hostileRequestArbitrary(op, ctx) },
  );
}

function hostileRequestArbitrary(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const method =
    op.unlisted.length > 0
      ? fc.oneof(
          { weight: 15, arbitrary: fc.constant(op.method) },
          { weight: 1, arbitrary: fc.constantFrom(...op.unlisted) },
        )
      : fc.constant(op.method);
  return fc
    .record({
      method,
      path: pathArbitrary(op, ctx),
      query: queryArbitrary(op, ctx),
      headers: headersArbitrary(op, ctx),
      body: bodyArbitrary(op, ctx),
    })
    .map(({ method, path, query, headers, body }) => {
      const request: FuzzRequest = {
        service: ctx.service,
        operation: op.id,
        method,
        path: `${path}${query}`,
        headers: { ...headers },
      };
      if (body !== undefined) {
        request.body = body.text;
        if (request.headers['content-type'] === undefined) request.headers['content-type'] = body.type;
      }
      return request;
    });
}
