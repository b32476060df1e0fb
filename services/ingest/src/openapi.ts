import { z } from 'zod';
import { authorBodySchema, createPostSchema, listPostsQuerySchema, updatePostSchema } from '@careerfeed/posts';
import { createSourceSchema, updateSourceSchema } from '@careerfeed/posts';
import { createWebhookSchema, listDeliveriesQuerySchema, updateWebhookSchema } from '@careerfeed/sharing';

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

function textBody(field: string, description: string): JsonSchema {
  return { type: 'object', description, required: [field], properties: { [field]: { type: 'string' } } };
}

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
  SharePayloads: {
    type: 'object',
    description: "One ready-to-post body per enabled network (SHARE_NETWORKS), in that network's own shape",
    additionalProperties: false,
    properties: {
      x: textBody('text', 'Fits 280 by twitter-text weighting'),
      mastodon: textBody('status', 'Fits the instance limit (MASTODON_MAX_CHARS, URLs counted as MASTODON_URL_LENGTH)'),
      bluesky: {
        type: 'object',
        description: 'app.bsky.feed.post fields: 300 graphemes, facets at UTF-8 byte offsets, an external card',
        required: ['text', 'facets', 'embed'],
        properties: {
          text: { type: 'string' },
          facets: {
            type: 'array',
            items: {
              type: 'object',
              required: ['index', 'features'],
              properties: {
                index: {
                  type: 'object',
                  required: ['byteStart', 'byteEnd'],
                  properties: { byteStart: { type: 'integer' }, byteEnd: { type: 'integer' } },
                },
                features: { type: 'array', items: { type: 'object', required: ['$type'] } },
              },
            },
          },
          embed: {
            type: 'object',
            required: ['$type', 'external'],
            properties: {
              $type: { const: 'app.bsky.embed.external' },
              external: {
                type: 'object',
                required: ['uri', 'title', 'description'],
                properties: {
                  uri: { type: 'string' },
                  title: { type: 'string' },
                  description: { type: 'string' },
                  thumb: { type: 'string' },
                },
              },
            },
          },
        },
      },
      linkedin: {
        type: 'object',
        description: 'Posts API article share; commentary in "little text" with reserved characters escaped',
        required: ['commentary', 'content'],
        properties: {
          commentary: { type: 'string' },
          content: {
            type: 'object',
            required: ['article'],
            properties: {
              article: {
                type: 'object',
                required: ['source', 'title', 'description'],
                properties: { source: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' } },
              },
            },
          },
        },
      },
      facebook: {
        type: 'object',
        required: ['message', 'link'],
        properties: { message: { type: 'string' }, link: { type: 'string' } },
      },
      threads: textBody('text', '500 characters, at most 5 links'),
    },
  },
  Webhook: {
    type: 'object',
    required: ['id', 'url', 'networks', 'enabled', 'disabled_reason', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      url: { type: 'string', format: 'uri' },
      networks: { type: 'array', items: { enum: ['x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'threads'] } },
      enabled: { type: 'boolean' },
      disabled_reason: {
        enum: ['gone', 'operator', null],
        description: '"gone": the receiver answered 410; "operator": disabled by PATCH',
      },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      secret: {
        type: 'string',
        pattern: '^whsec_',
        description: 'Only in the response to the POST that created the destination',
      },
    },
  },
  WebhookList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Webhook') } } },
  Delivery: {
    type: 'object',
    required: [
      'id',
      'post_id',
      'network',
      'status',
      'attempts',
      'last_error',
      'created_at',
      'updated_at',
      'delivered_at',
    ],
    properties: {
      id: { type: 'string', description: 'The Standard Webhooks message id (`webhook-id`)' },
      post_id: { type: 'string' },
      network: { type: 'string' },
      status: {
        enum: ['pending', 'delivered', 'failed', 'cancelled'],
        description: '"failed": retries exhausted (a dead letter)',
      },
      attempts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['attempted_at', 'status_code', 'duration_ms', 'error'],
          properties: {
            attempted_at: { type: 'string', format: 'date-time' },
            status_code: { type: ['integer', 'null'] },
            duration_ms: { type: 'number' },
            error: { type: ['string', 'null'] },
          },
        },
      },
      last_error: { type: ['string', 'null'] },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      delivered_at: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  DeliveryPage: {
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: { items: { type: 'array', items: ref('Delivery') }, next_cursor: { type: ['string', 'null'] } },
  },
  CreateWebhook: requestSchema(createWebhookSchema),
  UpdateWebhook: requestSchema(updateWebhookSchema),
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
const webhookId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: 'A webhook destination id as returned on creation',
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
  '/v1/posts/{id}/share-payloads': {
    get: {
      operationId: 'getSharePayloads',
      summary: "The post's share payloads, keyed by network",
      security: posted('posts:write'),
      parameters: [postId],
      responses: {
        '200': { description: 'The stored payloads', content: json(ref('SharePayloads')) },
        '404': problem('No such post (NOT_FOUND), or one readers cannot see yet (SHARE_PAYLOADS_NOT_READY)'),
        ...commonProblems,
      },
    },
  },
  '/v1/webhooks': {
    post: {
      operationId: 'createWebhook',
      summary: 'Add a webhook destination; the response carries its signing secret, shown only here',
      description:
        'Deliveries follow the Standard Webhooks spec: headers webhook-id, webhook-timestamp and webhook-signature ' +
        '(v1, HMAC-SHA256 with the secret). The URL must be http(s) and, unless ALLOW_PRIVATE_NETWORKS is true, ' +
        'resolve to public addresses only.',
      security: posted('admin'),
      requestBody: { required: true, content: json(ref('CreateWebhook')) },
      responses: {
        '201': {
          description: 'Created',
          headers: { Location: { schema: { type: 'string' } } },
          content: json(ref('Webhook')),
        },
        ...bodyProblems,
        ...commonProblems,
      },
    },
    get: {
      operationId: 'listWebhooks',
      security: posted('admin'),
      responses: { '200': { description: 'Every destination', content: json(ref('WebhookList')) }, ...commonProblems },
    },
  },
  '/v1/webhooks/{id}': {
    get: {
      operationId: 'getWebhook',
      security: posted('admin'),
      parameters: [webhookId],
      responses: {
        '200': { description: 'The destination', content: json(ref('Webhook')) },
        '404': notFound,
        ...commonProblems,
      },
    },
    patch: {
      operationId: 'updateWebhook',
      summary: 'Change url or networks; enabled: true re-enables a destination disabled by a 410',
      security: posted('admin'),
      parameters: [webhookId],
      requestBody: { required: true, content: json(ref('UpdateWebhook')) },
      responses: {
        '200': { description: 'The destination as stored', content: json(ref('Webhook')) },
        '404': notFound,
        ...bodyProblems,
        ...commonProblems,
      },
    },
    delete: {
      operationId: 'deleteWebhook',
      summary: 'Remove the destination and its deliveries',
      security: posted('admin'),
      parameters: [webhookId],
      responses: { '204': { description: 'Deleted' }, '404': notFound, ...commonProblems },
    },
  },
  '/v1/webhooks/{id}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'Its messages, newest first, each with its attempt log',
      security: posted('admin'),
      parameters: [webhookId, ...queryParameters(listDeliveriesQuerySchema)],
      responses: {
        '200': { description: 'One page', content: json(ref('DeliveryPage')) },
        '400': problem('A query parameter is invalid'),
        '404': notFound,
        ...commonProblems,
      },
    },
  },
  '/v1/webhooks/{id}/dead-letters': {
    get: {
      operationId: 'listWebhookDeadLetters',
      summary: 'The deliveries whose retries are exhausted (status failed)',
      security: posted('admin'),
      parameters: [webhookId, ...queryParameters(listDeliveriesQuerySchema.omit({ status: true }))],
      responses: {
        '200': { description: 'One page', content: json(ref('DeliveryPage')) },
        '400': problem('A query parameter is invalid'),
        '404': notFound,
        ...commonProblems,
      },
    },
  },
  '/v1/webhooks/{id}/deliveries/{messageId}/replay': {
    post: {
      operationId: 'replayWebhookDelivery',
      summary: 'Put a failed or cancelled delivery back on the queue (same id and body, a fresh retry schedule)',
      security: posted('admin'),
      parameters: [
        webhookId,
        { name: 'messageId', in: 'path', required: true, schema: { type: 'string', pattern: '^msg_' } },
      ],
      responses: {
        '202': { description: 'Queued', content: json(ref('Delivery')) },
        '404': notFound,
        '409': problem('The delivery is not failed or cancelled, or its destination is disabled'),
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
