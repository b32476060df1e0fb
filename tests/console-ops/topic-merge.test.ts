import { mergeTopic, listTopics, renameTag } from '@careerfeed/posts';
import { publishFeedInvalidation, createRedisConnection } from '@careerfeed/jobs';
import { uuidv7 } from '@careerfeed/db';
import type { Redis } from 'ioredis';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { buildPost } from '../helpers/factories';
import { feedparserPoll } from '../feeds/feed-consumers';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';

async function insertSubscriber(database: TestDatabase, email: string, topics: string[]): Promise<string> {
  const id = uuidv7();
  const at = new Date().toISOString();
  await database.db.kysely
    .insertInto('subscribers')
    .values({
      id,
      email,
      email_key: email.toLowerCase(),
      status: 'active',
      frequency: 'weekly',
      topics: JSON.stringify(topics),
      time_zone: 'UTC',
      delivery_hour: 8,
      delivery_weekday: 1,
      paused: 0,
      confirmation_nonce: null,
      confirmation_sent_at: at,
      confirmed_at: at,
      unsubscribed_at: null,
      suspended_at: null,
      hard_bounces: 0,
      digest_cursor: at,
      next_digest_at: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  return id;
}

async function topicsOf(database: TestDatabase, id: string): Promise<string[]> {
  const row = await database.db.kysely
    .selectFrom('subscribers')
    .select('topics')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return JSON.parse(row.topics) as string[];
}

describe.each(DIALECTS)('merging topics (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let admin: string;
  let publisher: Redis;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    admin = await ingest.bearer('admin');
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
    publisher = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
  });

  afterAll(async () => {
    publisher.disconnect();
    await feed.close();
    await ingest.close();
    await database.drop();
  });

  const publish = async (body: Record<string, unknown>) => {
    const response = await ingest.request.post('/v1/posts').set('Authorization', admin).send(buildPost(body));
    expect(response.status).toBe(201);
    return response.body as { id: string; tags: string[] };
  };

  test('when tag A is merged into tag B, then posts, subscriptions and A’s old addresses all move to B', async () => {
    const onlyA = await publish({ tags: ['cv'], category: 'resumes-cat' });
    const both = await publish({ tags: ['cv', 'resumes'], category: 'resumes-cat' });
    const onlyB = await publish({ tags: ['resumes'], category: 'other' });
    const followsA = await insertSubscriber(database, `a-${dialect}@example.edu`, ['tag:cv', 'category:other']);
    const followsBoth = await insertSubscriber(database, `ab-${dialect}@example.edu`, ['tag:resumes', 'tag:cv']);
    const followsNeither = await insertSubscriber(database, `n-${dialect}@example.edu`, ['tag:cvs-and-more']);
    // A's feed is cached by the feed service before the merge.
    expect((await feed.request.get('/tags/cv/feed.xml')).status).toBe(200);

    const result = await mergeTopic({ db: database.db }, 'tag', 'cv', 'resumes');
    expect(result).toMatchObject({ posts: 2, subscribers: 2 });
    await publishFeedInvalidation(publisher, ingest.redisPrefix, result.scopes);

    for (const post of [onlyA, both, onlyB]) {
      const read = await ingest.request.get(`/v1/posts/${post.id}`).set('Authorization', admin);
      expect(read.body.tags).toEqual(['resumes']);
    }
    expect(await topicsOf(database, followsA)).toEqual(['tag:resumes', 'category:other']);
    expect(await topicsOf(database, followsBoth)).toEqual(['tag:resumes']);
    expect(await topicsOf(database, followsNeither)).toEqual(['tag:cvs-and-more']);
    const overview = await listTopics(database.db);
    expect(overview.tags.find((t) => t.slug === 'cv')).toBeUndefined();
    expect(overview.tags.find((t) => t.slug === 'resumes')?.posts).toBe(3);
    expect(overview.redirects).toEqual([expect.objectContaining({ kind: 'tag', from_slug: 'cv', to_slug: 'resumes' })]);

    // Over real HTTP: the cached feed was dropped, and every old address answers 301 to the new one.
    await waitFor(
      async () => (await fetch(`${feed.origin}/tags/cv/feed.xml`, { redirect: 'manual' })).status === 301,
      5_000,
      'the cached feed of the merged tag was not invalidated',
    );
    for (const file of ['', 'feed.xml', 'feed.atom', 'feed.json']) {
      const manual = await fetch(`${feed.origin}/tags/cv/${file}?page=1`, { redirect: 'manual' });
      expect(manual.status).toBe(301);
      expect(manual.headers.get('location')).toBe(`/tags/resumes/${file}?page=1`);
      const followed = await fetch(`${feed.origin}/tags/cv/${file}`);
      expect(followed.status).toBe(200);
      expect(followed.url).toBe(`${feed.origin}/tags/resumes/${file}`);
    }
    // A script's CORS preflight of the old feed is still the feed routes' (only GET and HEAD redirect).
    const preflight = await fetch(`${feed.origin}/tags/cv/feed.xml`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://campus.example.edu', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    // A feed reader nobody here wrote follows the redirect and reads B's three posts.
    const poll = await feedparserPoll(`${feed.origin}/tags/cv/feed.xml`);
    expect(poll.first.status).toBe(301);
    expect(poll.first.entries).toBe(3);
    expect(poll.first.bozo).toBeFalsy();
  });

  test('when a category is merged, then posts move and /categories/{old}/ redirects', async () => {
    const result = await mergeTopic({ db: database.db }, 'category', 'resumes-cat', 'other');
    expect(result.posts).toBe(2);
    const manual = await fetch(`${feed.origin}/categories/resumes-cat/feed.json`, { redirect: 'manual' });
    expect(manual.status).toBe(301);
    expect(manual.headers.get('location')).toBe('/categories/other/feed.json');
    const followed = await fetch(`${feed.origin}/categories/resumes-cat/feed.json`);
    expect(followed.status).toBe(200);
    expect(((await followed.json()) as { items: unknown[] }).items).toHaveLength(3);
  });

  test('when a merged slug is used again by a new post, then it is served as itself, not redirected', async () => {
    await mergeTopic({ db: database.db }, 'tag', 'resumes', 'cv-writing');
    expect((await fetch(`${feed.origin}/tags/cv/feed.xml`, { redirect: 'manual' })).headers.get('location')).toBe(
      '/tags/cv-writing/feed.xml',
    );
    await publish({ tags: ['cv'] });
    expect((await fetch(`${feed.origin}/tags/cv/feed.json`, { redirect: 'manual' })).status).toBe(200);
  });

  test('when a merge names an unknown topic or itself, then it is a 4xx and nothing changes', async () => {
    const before = await listTopics(database.db);
    await expect(mergeTopic({ db: database.db }, 'tag', 'no-such-tag', 'cv')).rejects.toMatchObject({ status: 404 });
    await expect(mergeTopic({ db: database.db }, 'tag', 'cv', 'cv')).rejects.toMatchObject({ status: 400 });
    await expect(mergeTopic({ db: database.db }, 'category', 'nothing-here', 'other')).rejects.toMatchObject({
      status: 404,
    });
    await expect(renameTag(database.db, 'cv', '   ')).rejects.toMatchObject({ status: 400 });
    expect(await listTopics(database.db)).toEqual(before);
  });
});
