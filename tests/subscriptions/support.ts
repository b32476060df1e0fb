import { randomBytes, randomInt } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Dialect, type SubscriberRow, readSubscriptionTokenKey } from '@careerfeed/db';
import { type ConfirmationMailJob, SUBSCRIPTION_MAILS_QUEUE, createRedisConnection } from '@careerfeed/jobs';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { testRedisErrors } from '../helpers/redis-errors';

export const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/**
 * A feed instance behind a (pretend) proxy, on a fresh database with one post, so the tags
 * `interviews` and `preparation` and the category `interviews` exist. Every request gets a client
 * address of its own unless the test names one, so rate limits only bite where a test wants them.
 */
export interface SubscriptionsHarness {
  database: TestDatabase;
  ingest: IngestHarness;
  feed: FeedInstance;
  /** Reads the subscription-mails queue under this harness's prefix. */
  mails: Queue;
  tokenKey(): Promise<Buffer>;
  subscriber(email: string): Promise<SubscriberRow | undefined>;
  subscriberCount(): Promise<number>;
  /** Every job waiting in the subscription-mails queue, oldest first. */
  queuedJobs(): Promise<{ id: string | undefined; name: string; data: ConfirmationMailJob }[]>;
  close(): Promise<void>;
}

export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export function randomEmail(): string {
  return `student-${randomBytes(5).toString('hex')}@uni.example.edu`;
}

export async function startSubscriptionsHarness(
  dialect: Dialect,
  options: Parameters<typeof startFeedInstance>[2] = {},
): Promise<SubscriptionsHarness> {
  const database = await createTestDatabase(dialect);
  const ingest = createIngestHarness(database.db);
  const created = await ingest.request
    .post('/v1/posts')
    .set('Authorization', await ingest.bearer())
    .send(buildPost({ tags: ['interviews', 'preparation'], category: 'interviews' }));
  if (created.status !== 201) throw new Error(`seeding failed: ${created.status} ${created.text}`);
  const feed = await startFeedInstance(database.db, ingest.redisPrefix, { trustProxy: true, ...options });
  const connection: Redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
  const mails = new Queue(SUBSCRIPTION_MAILS_QUEUE, { connection, prefix: ingest.redisPrefix });
  mails.on('error', () => undefined);
  const db = database.db.kysely;
  return {
    database,
    ingest,
    feed,
    mails,
    tokenKey: () => readSubscriptionTokenKey(db),
    subscriber: (email) =>
      db.selectFrom('subscribers').selectAll().where('email_key', '=', email.toLowerCase()).executeTakeFirst(),
    subscriberCount: async () =>
      Number(
        (
          await db
            .selectFrom('subscribers')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    queuedJobs: async () => {
      const jobs = await mails.getJobs(['waiting', 'delayed', 'prioritized']);
      return jobs
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((job) => ({ id: job.id, name: job.name, data: job.data as ConfirmationMailJob }));
    },
    close: async () => {
      await feed.close();
      await mails.obliterate({ force: true }).catch(() => undefined);
      await mails.close();
      connection.disconnect();
      await ingest.close();
      await database.drop();
    },
  };
}
