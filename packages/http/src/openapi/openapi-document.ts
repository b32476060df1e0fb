import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/**
 * The pieces every service's OpenAPI 3.1 document is built from. Each service registers its
 * operations on an `OpenAPIRegistry` with the zod schemas its routes validate with and its
 * services return (`z.infer`), and `@asteasolutions/zod-to-openapi` writes the document: there is
 * no hand-written JSON Schema to drift from the code.
 *
 * Component names come from zod's own `.meta({ id })`, which files the schema in zod's global
 * registry; an id may be given once per process, so shared schemas are named here, once, and a
 * service names its own in its own module.
 */

export { OpenAPIRegistry };
export type { RouteConfig };

/** One entry of a problem's `errors`: the field (a `/`-separated path, '' for the whole body) and what is wrong with it. */
export const fieldErrorSchema = z
  .strictObject({
    path: z.string().meta({ description: "The offending field as a '/'-separated path; '' for the body itself" }),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

/** RFC 9457 problem details, as `toProblem` (packages/core) writes them. */
export const problemSchema = z
  .strictObject({
    type: z
      .string()
      .meta({ description: 'A URN naming the kind of problem, e.g. urn:careerfeed:problem:validation-failed' }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable code, e.g. VALIDATION_FAILED' }),
    instance: z.string().optional().meta({ description: 'The request path' }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: 'One entry per offending field' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
export type Problem = z.infer<typeof problemSchema>;

const PROBLEM_TITLES: Record<number, [code: string, title: string]> = {
  400: ['VALIDATION_FAILED', 'Validation failed'],
  401: ['UNAUTHORIZED', 'Unauthorized'],
  403: ['FORBIDDEN', 'Forbidden'],
  404: ['NOT_FOUND', 'Not found'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  409: ['CONFLICT', 'Conflict'],
  413: ['PAYLOAD_TOO_LARGE', 'Payload too large'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  422: ['UNPROCESSABLE', 'Unprocessable content'],
  429: ['RATE_LIMITED', 'Too many requests'],
  503: ['SERVICE_UNAVAILABLE', 'Service unavailable'],
};

/** A problem document as the API writes it, for examples. */
export function problemExample(status: number, detail: string, extra: Partial<Problem> = {}): Problem {
  const [code, title] = PROBLEM_TITLES[status] ?? ['ERROR', 'Error'];
  return {
    type: `urn:careerfeed:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    detail,
    code,
    ...extra,
  };
}

type ResponseConfig = RouteConfig['responses'][string];

/** A problem+json answer, with an example built from its status. */
export function problemResponse(status: number, description: string, detail = description): ResponseConfig {
  return {
    description,
    content: {
      'application/problem+json': { schema: problemSchema, example: problemExample(status, detail) },
    },
  };
}

/** A JSON body with its example; `T` ties the example to the schema's type at compile time too. */
export function jsonContent<S extends z.ZodType>(
  schema: S,
  example: z.input<S>,
  mediaType = 'application/json',
): Record<string, { schema: S; example: unknown }> {
  return { [mediaType]: { schema, example } };
}

/** A text body (feeds, pages, metrics) with a short example. */
export function textContent(mediaType: string, example: string, description?: string) {
  return { [mediaType]: { schema: z.string().meta(description ? { description } : {}), example } };
}

/** Liveness and readiness answers (mountOperationalRoutes). */
export const healthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });
export const readinessSchema = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    checks: z
      .record(z.string(), z.string())
      .meta({ description: 'Each check by name: "ok", or "down: " and why (database, redis, queues, …)' }),
  })
  .meta({ id: 'Readiness' });

/** /healthz, /readyz and /metrics, as mountOperationalRoutes answers them in every service. */
export function registerOperationalPaths(registry: OpenAPIRegistry, tag = 'Operations'): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tags: [tag],
    summary: 'Liveness: 200 while the process can answer',
    security: [],
    responses: {
      200: { description: 'The process answers', content: jsonContent(healthSchema, { status: 'ok' }) },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tags: [tag],
    summary: 'Readiness: the database, Redis and the queues answer',
    security: [],
    responses: {
      200: {
        description: 'Every check passes',
        content: jsonContent(readinessSchema, { status: 'ok', checks: { database: 'ok', redis: 'ok' } }),
      },
      503: {
        description: 'A check fails: a load balancer should send no traffic',
        content: jsonContent(readinessSchema, {
          status: 'unavailable',
          checks: { database: 'ok', redis: 'down: no answer within 2000 ms' },
        }),
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tags: [tag],
    summary: 'Prometheus metrics',
    security: [],
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        content: textContent(
          'text/plain; version=0.0.4; charset=utf-8',
          '# HELP http_request_duration_seconds HTTP request duration by route and status\n# TYPE http_request_duration_seconds histogram\n',
        ),
      },
    },
  });
}

/** /openapi.json and /docs (mountApiDocs). */
export function registerApiDocsPaths(registry: OpenAPIRegistry, tag = 'Operations'): void {
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tags: [tag],
    summary: 'This document (OpenAPI 3.1)',
    security: [],
    responses: {
      200: {
        description: 'The OpenAPI document, generated from the zod schemas the routes use',
        content: {
          'application/json': {
            schema: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
            example: { openapi: '3.1.0', info: { title: 'careerfeed', version: '1' }, paths: {} },
          },
        },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/docs',
    operationId: 'apiReference',
    tags: [tag],
    summary: 'This document as a readable HTML reference (no script, no third-party request)',
    security: [],
    responses: {
      200: {
        description: 'The reference page; its stylesheet is /docs/reference.css',
        content: textContent('text/html; charset=utf-8', '<!doctype html><html lang="en">…</html>'),
      },
    },
  });
}

export interface DocumentInfo {
  title: string;
  description: string;
  version?: string;
}

/** The OpenAPI 3.1 document of everything registered. */
export function generateOpenApiDocument(
  registry: OpenAPIRegistry,
  info: DocumentInfo,
  extra: { security?: Record<string, string[]>[]; tags?: { name: string; description: string }[] } = {},
): OpenApiDocument {
  const generator = new OpenApiGeneratorV31(registry.definitions, { sortComponents: 'alphabetically' });
  return generator.generateDocument({
    openapi: '3.1.0',
    info: { title: info.title, version: info.version ?? '1', description: info.description },
    ...(extra.security ? { security: extra.security } : {}),
    ...(extra.tags ? { tags: extra.tags } : {}),
  }) as unknown as OpenApiDocument;
}

/** The parts of a generated document the reference page and the tests read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  webhooks?: Record<string, Record<string, OperationObject>>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    securitySchemes?: Record<string, { type: string; scheme?: string; description?: string }>;
  };
  security?: Record<string, string[]>[];
}

export type JsonSchema = { [key: string]: unknown };

export interface MediaTypeObject {
  schema?: JsonSchema;
  example?: unknown;
}

export interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
  example?: unknown;
}

export interface OperationObject {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: { description?: string; required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<
    string,
    {
      description: string;
      headers?: Record<string, { description?: string; schema?: JsonSchema }>;
      content?: Record<string, MediaTypeObject>;
    }
  >;
}
