import { createSubscriberToken } from '@careerfeed/core';
import { type Db, readSubscriptionTokenKey } from '@careerfeed/db';
import { type Sent, send } from './runner';

/**
 * Resources the fuzzer's valid-looking paths point at, made through the ingest API as a client
 * would: the author the document's examples name (so example bodies are accepted), a post with a
 * tag and category, a partner source and a webhook. Returns the path values per parameter name
 * (or `<segment before it>:<name>`, e.g. `posts:id`), for the ingest document and the feed's.
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
  // The feed cases' post: its id is not among the ingest path values, so no ingest case deletes it.
  const feedPost = await call(ingest, adminAuthorization, 'POST', '/v1/posts', {
    title: 'Seeded: internships this autumn',
    html: '<p>Apply <strong>early</strong>.</p>',
    author: 'maya-okafor',
    tags: ['internships'],
    category: 'events',
    status: 'published',
    published_at: '2025-01-02T09:00:00Z',
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
      // By the path segment before the parameter; a plain `id` serves other paths (and mixes kinds).
      'posts:id': [String(post.json.id)],
      'sources:id': [String(source.json.id)],
      'webhooks:id': [String(webhook.json.id)],
      id: [String(post.json.id), String(source.json.id), String(webhook.json.id)],
      slug: ['maya-okafor'],
      messageId: ['msg_2Yc9d0pQx1'],
    },
    feed: {
      'posts:slug': [String(feedPost.json.slug)],
      'authors:slug': ['maya-okafor'],
      slug: [String(feedPost.json.slug), 'maya-okafor'],
      tag: ['career-fair', 'cv'],
      category: ['events'],
    },
  };
}

/**
 * A subscriber made through `POST /subscribe` (as a reader would) and signed links for it, as the
 * mails carry them: the confirmation token and the manage token (preferences, unsubscribe). They
 * are the `token` query values of the feed cases; the key is read from the database as the feed
 * service reads it.
 */
export async function seedSubscriberTokens(feed: { host: string; port: number }, db: Db): Promise<string[]> {
  const email = 'fuzz-reader@example.edu';
  const res = await send(feed, {
    service: 'seed',
    operation: 'seed',
    method: 'POST',
    path: '/subscribe',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, frequency: 'weekly', topics: ['internships'], timezone: 'Europe/Berlin' }),
  });
  if (res.status !== 202) throw new Error(`seeding: POST /subscribe answered ${res.status}: ${res.body}`);
  const subscriber = await db.kysely
    .selectFrom('subscribers')
    .select(['id', 'confirmation_nonce'])
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  const key = await readSubscriptionTokenKey(db.kysely);
  return [
    createSubscriberToken(key, {
      subscriberId: subscriber.id,
      purpose: 'confirm',
      nonce: subscriber.confirmation_nonce ?? undefined,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    }),
    createSubscriberToken(key, { subscriberId: subscriber.id, purpose: 'manage' }),
  ];
}
