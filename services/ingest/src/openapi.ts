import { z } from 'zod';
import { authorBodySchema, createPostSchema, listPostsQuerySchema, updatePostSchema } from './posts/posts.schema';
import { createSourceSchema, updateSourceSchema } from './sources/sources.schema';

/**
 * The ingest API's OpenAPI 3.1 document, served at `GET /openapi.json`.
 *
 * Request bodies are generated from the same zod schemas the routes validate with, so the two
 * cannot drift; responses are written here. `tests/ingest/openapi.test.ts` checks the document
 * against the OpenAPI schema, calls every operation it lists, and validates real responses
 * against the response schemas.
 */

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, what OpenAPI 3.1 uses) of what a client sends. */
function requestSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

/** The problem answers every authenticated operation can give. */
const commonProblems = {
  '401': problem('No API key, or an unknown or revoked one'),
  '403': problem('The API key lacks the scope this operation needs'),
  '405': problem('The path exists but not with this method'),
};
const bodyProblems = {
  '400': problem('Malformed JSON, or a body that fails validation (`errors` names each field)'),
  '413': problem('The body exceeds 1 MB'),
  '415': problem('The body is not application/json'),
};
const notFound = problem('No such resource');

const related = {
  type: 'array',
  description: 'Related published posts, best first',
  items: {
    type: 'object',
    required: ['id', 'url', 'title'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, url: { type: 'string', format: 'uri' }, title: { type: 'string' } },
  },
};

const schemas: Record<string, JsonSchema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: {
        type: 'string',
        description: 'A URN naming the kind of problem, e.g. urn:careerfeed:problem:validation-failed',
      },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      code: { type: 'string', description: 'Stable machine-readable code, e.g. VALIDATION_FAILED' },
      instance: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  },
  Author: {
    type: 'object',
    required: ['slug', 'name', 'bio', 'links'],
    additionalProperties: false,
    properties: {
      slug: { type: 'string' },
      name: { type: 'string' },
      bio: { type: 'string' },
      links: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  Post: {
    type: 'object',
    required: [
      'id',
      'slug',
      'url',
      'title',
      'html',
      'excerpt',
      'word_count',
      'author',
      'tags',
      'category',
      'status',
      'published_at',
      'created_at',
      'updated_at',
      'canonical_url',
      'image',
      'source',
      'external_id',
      'related',
    ],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      slug: { type: 'string' },
      url: { type: 'string', format: 'uri', description: 'The public post page' },
      title: { type: 'string' },
      html: { type: 'string', description: 'Sanitized HTML, as stored and served' },
      excerpt: { type: 'string' },
      word_count: { type: 'integer', minimum: 0 },
      author: ref('Author'),
      tags: { type: 'array', items: { type: 'string' } },
      category: { type: ['string', 'null'] },
      status: { enum: ['draft', 'published'] },
      published_at: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'A future time means the post is scheduled: invisible until then',
      },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      canonical_url: { type: ['string', 'null'], format: 'uri' },
      image: { type: ['string', 'null'], format: 'uri' },
      source: { type: 'string', description: '"api", or the id of the partner source it was syndicated from' },
      external_id: { type: ['string', 'null'] },
      related,
    },
  },
  PostPage: {
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: {
      items: { type: 'array', items: ref('Post') },
      next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last' },
    },
  },
  AuthorList: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('Author') } },
  },
  Source: {
    type: 'object',
    description: 'A partner feed we syndicate, with its health',
    required: ['id', 'url', 'interval_minutes', 'author', 'category', 'title', 'created_at', 'updated_at', 'health'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      url: { type: 'string', format: 'uri' },
      interval_minutes: { type: 'integer', minimum: 5, maximum: 1440 },
      author: { type: ['string', 'null'], description: 'Credited on items that name no author' },
      category: { type: ['string', 'null'], description: 'Category slug given to every post of the source' },
      title: { type: ['string', 'null'], description: "The feed's own title, as last parsed" },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      health: {
        type: 'object',
        required: [
          'last_poll_at',
          'last_success_at',
          'last_error',
          'consecutive_failures',
          'next_poll_at',
          'items_count',
          'last_poll',
        ],
        additionalProperties: false,
        properties: {
          last_poll_at: { type: ['string', 'null'], format: 'date-time' },
          last_success_at: { type: ['string', 'null'], format: 'date-time' },
          last_error: {
            description: 'The latest failure (kept after a later success)',
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                required: ['at', 'code', 'message'],
                additionalProperties: false,
                properties: {
                  at: { type: 'string', format: 'date-time' },
                  code: {
                    type: 'string',
                    description:
                      'INVALID_URL, BLOCKED_ADDRESS, NETWORK, TIMEOUT, TOO_LARGE, TOO_MANY_REDIRECTS, HTTP_STATUS, RATE_LIMITED, NOT_A_FEED, INVALID_FEED',
                  },
                  message: { type: 'string' },
                },
              },
            ],
          },
          consecutive_failures: { type: 'integer', minimum: 0 },
          next_poll_at: { type: 'string', format: 'date-time' },
          items_count: { type: 'integer', minimum: 0, description: 'Posts syndicated from this source' },
          last_poll: {
            description: 'What the last successful poll did',
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                required: [
                  'status',
                  'format',
                  'items',
                  'created',
                  'updated',
                  'unchanged',
                  'skipped',
                  'duplicates',
                  'withheld',
                ],
                properties: {
                  status: { type: 'integer', description: '200, or 304 when the feed had not changed' },
                  format: { enum: ['rss', 'atom', 'rdf', 'json', null] },
                  items: { type: 'integer' },
                  created: { type: 'integer' },
                  updated: { type: 'integer' },
                  unchanged: { type: 'integer' },
                  skipped: { type: 'integer', description: 'Items with neither guid nor link, or no usable content' },
                  duplicates: { type: 'integer', description: 'Items repeating a guid of the same feed' },
                  withheld: { type: 'integer', description: 'Items whose post an editor set to draft: left alone' },
                },
              },
            ],
          },
        },
      },
    },
  },
  SourceList: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('Source') } },
  },
  CreateSource: requestSchema(createSourceSchema),
  UpdateSource: requestSchema(updateSourceSchema),
  CreatePost: requestSchema(createPostSchema),
  UpdatePost: requestSchema(updatePostSchema),
  AuthorBody: requestSchema(authorBodySchema),
};

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const properties = (requestSchema(schema).properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
  }));
}

const postId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: 'A post id as returned on creation',
};
const sourceId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: 'A source id as returned on creation',
};
const authorSlug = { name: 'slug', in: 'path', required: true, schema: { type: 'string' } };
const posted = (scope: string) => [{ apiKey: [scope] }];

const paths: Record<string, Record<string, JsonSchema>> = {
  '/v1/posts': {
    post: {
      operationId: 'createPost',
      summary: 'Create a post, or create-or-replace one by (source, external_id)',
      description:
        'Returns 201 for a new post. With `external_id`, re-sending an existing post replaces it and returns 200 ' +
        '(unchanged content writes nothing). `author` is an existing author slug or an object that creates/updates it.',
      security: posted('posts:write'),
      requestBody: { required: true, content: json(ref('CreatePost')) },
      responses: {
        '201': {
          description: 'Created',
          headers: { Location: { schema: { type: 'string' } } },
          content: json(ref('Post')),
        },
        '200': {
          description: 'An existing post (same source and external_id) replaced or unchanged',
          content: json(ref('Post')),
        },
        ...bodyProblems,
        ...commonProblems,
        '409': problem('The slug is taken by another post'),
        '422': problem('The author slug names no author'),
      },
    },
    get: {
      operationId: 'listPosts',
      summary: 'List posts, newest first, with cursor pagination',
      security: posted('posts:write'),
      parameters: queryParameters(listPostsQuerySchema),
      responses: {
        '200': {
          description: 'One page; a `Link: <…>; rel="next"` header is set when there is a next page',
          content: json(ref('PostPage')),
        },
        '400': problem('A query parameter is invalid'),
        ...commonProblems,
      },
    },
  },
  '/v1/posts/{id}': {
    get: {
      operationId: 'getPost',
      security: posted('posts:write'),
      parameters: [postId],
      responses: { '200': { description: 'The post', content: json(ref('Post')) }, '404': notFound, ...commonProblems },
    },
    patch: {
      operationId: 'updatePost',
      summary: 'Change some fields; null clears an optional field',
      security: posted('posts:write'),
      parameters: [postId],
      requestBody: { required: true, content: json(ref('UpdatePost')) },
      responses: {
        '200': { description: 'The post as stored', content: json(ref('Post')) },
        '404': notFound,
        ...bodyProblems,
        ...commonProblems,
        '409': problem('The slug is taken by another post'),
        '422': problem('The author slug names no author'),
      },
    },
    delete: {
      operationId: 'deletePost',
      security: posted('posts:write'),
      parameters: [postId],
      responses: { '204': { description: 'Deleted' }, '404': notFound, ...commonProblems },
    },
  },
  '/v1/authors': {
    get: {
      operationId: 'listAuthors',
      security: posted('posts:write'),
      responses: { '200': { description: 'Every author', content: json(ref('AuthorList')) }, ...commonProblems },
    },
  },
  '/v1/authors/{slug}': {
    get: {
      operationId: 'getAuthor',
      security: posted('posts:write'),
      parameters: [authorSlug],
      responses: {
        '200': { description: 'The author', content: json(ref('Author')) },
        '400': problem('Not a valid slug'),
        '404': notFound,
        ...commonProblems,
      },
    },
    put: {
      operationId: 'putAuthor',
      summary: 'Create the author or replace its name, bio and links',
      security: posted('posts:write'),
      parameters: [authorSlug],
      requestBody: { required: true, content: json(ref('AuthorBody')) },
      responses: {
        '201': { description: 'Created', content: json(ref('Author')) },
        '200': { description: 'Replaced', content: json(ref('Author')) },
        ...bodyProblems,
        ...commonProblems,
      },
    },
  },
  '/v1/sources': {
    post: {
      operationId: 'createSource',
      summary: 'Add a partner feed to syndicate',
      description:
        'The URL must be http(s) and, unless ALLOW_PRIVATE_NETWORKS is true, resolve to public addresses only. ' +
        'The first poll is queued at once.',
      security: posted('admin'),
      requestBody: { required: true, content: json(ref('CreateSource')) },
      responses: {
        '201': {
          description: 'Created',
          headers: { Location: { schema: { type: 'string' } } },
          content: json(ref('Source')),
        },
        ...bodyProblems,
        ...commonProblems,
        '409': problem('The URL is already a source'),
      },
    },
    get: {
      operationId: 'listSources',
      security: posted('admin'),
      responses: { '200': { description: 'Every source', content: json(ref('SourceList')) }, ...commonProblems },
    },
  },
  '/v1/sources/{id}': {
    get: {
      operationId: 'getSource',
      security: posted('admin'),
      parameters: [sourceId],
      responses: {
        '200': { description: 'The source', content: json(ref('Source')) },
        '404': notFound,
        ...commonProblems,
      },
    },
    patch: {
      operationId: 'updateSource',
      summary: 'Change interval, default author or category; null clears the last two',
      security: posted('admin'),
      parameters: [sourceId],
      requestBody: { required: true, content: json(ref('UpdateSource')) },
      responses: {
        '200': { description: 'The source as stored', content: json(ref('Source')) },
        '404': notFound,
        ...bodyProblems,
        ...commonProblems,
      },
    },
    delete: {
      operationId: 'deleteSource',
      summary: 'Stop syndicating; posts already syndicated stay published',
      security: posted('admin'),
      parameters: [sourceId],
      responses: { '204': { description: 'Deleted' }, '404': notFound, ...commonProblems },
    },
  },
  '/v1/sources/{id}/poll': {
    post: {
      operationId: 'pollSource',
      summary: 'Queue a poll now (not doubled if one is queued or running)',
      security: posted('admin'),
      parameters: [sourceId],
      responses: {
        '202': { description: 'Queued; the outcome shows in the health', content: json(ref('Source')) },
        '404': notFound,
        '503': problem('The poll queue is unreachable'),
        ...commonProblems,
      },
    },
  },
  '/healthz': {
    get: {
      operationId: 'health',
      security: [],
      responses: {
        '200': { description: 'Database and Redis answer', content: json({ type: 'object' }) },
        '503': { description: 'A dependency does not answer', content: json({ type: 'object' }) },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      security: [],
      responses: {
        '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    },
  },
};

export function buildOpenApiDocument(serverUrl?: string): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'careerfeed ingest API',
      version: '1',
      description:
        'Stores the posts, authors, tags and categories that careerfeed publishes as feeds, pages, digests and ' +
        'share payloads. Every error is RFC 9457 problem+json; input a client got wrong is a 4xx and changes nothing.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from `npm run cli -- keys create --name NAME [--scope posts:write|admin]`',
        },
      },
      schemas,
    },
    paths,
  };
}
