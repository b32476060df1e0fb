import { type Sent, send } from './runner';

/**
 * Resources the fuzzer's valid-looking paths point at, made through the ingest API as a client
 * would: the author the document's examples name (so example bodies are accepted), a post with a
 * tag and category, a partner source and a webhook. Returns the path values per parameter name,
 * for the ingest document (`id`, `slug`, `messageId`) and the feed's (`slug`, `tag`, `category`).
 */
export interface SeededValues {
  ingest: Record<string, string[]>;
  feed: Record<string, string[]>;
}

async function call(
  target: { host: string; port: number },
  authorization: string,
  method: string,
  path: string,
  body: unknown,
): Promise<Sent & { json: Record<string, unknown> }> {
  const res = await send(target, {
    service: 'seed',
    operation: 'seed',
    method,
    path,
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`seeding: ${method} ${path} answered ${res.status}: ${res.body}`);
  return { ...res, json: JSON.parse(res.body) as Record<string, unknown> };
}

export async function seedThroughIngest(
  ingest: { host: string; port: number },
  adminAuthorization: string,
): Promise<SeededValues> {
  await call(ingest, adminAuthorization, 'PUT', '/v1/authors/maya-okafor', { name: 'Maya Okafor', bio: 'Adviser' });
  const post = await call(ingest, adminAuthorization, 'POST', '/v1/posts', {
    title: 'Seeded: career fair checklist',
    html: '<p>Bring <em>three</em> questions.</p>',
    author: 'maya-okafor',
    tags: ['career-fair', 'cv', 'internships'], // internships: the topic of the subscribe examples
    category: 'events',
    status: 'published',
    published_at: '2025-01-01T09:00:00Z',
  });
  const source = await call(ingest, adminAuthorization, 'POST', '/v1/sources', {
    url: 'http://127.0.0.1:9/feed.xml',
    interval_minutes: 60,
  });
  const webhook = await call(ingest, adminAuthorization, 'POST', '/v1/webhooks', {
    url: 'http://127.0.0.1:9/hook',
    networks: ['x', 'mastodon'],
  });
  return {
    ingest: {
      id: [String(post.json.id), String(source.json.id), String(webhook.json.id)],
      slug: ['maya-okafor'],
      messageId: ['msg_2Yc9d0pQx1'],
    },
    feed: {
      slug: [String(post.json.slug), 'maya-okafor'],
      tag: ['career-fair', 'cv'],
      category: ['events'],
    },
  };
}
