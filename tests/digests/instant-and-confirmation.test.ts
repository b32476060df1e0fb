import { createSmtpMailer, createSubscriptionMailsWorker } from '@careerfeed/digests';
import { Queue, QueueEvents, type Worker } from 'bullmq';
import { pino } from 'pino';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import {
  DIGESTS_QUEUE,
  DIGEST_TICK_JOB,
  SUBSCRIPTION_MAILS_QUEUE,
  confirmationMailJobId,
  createRedisConnection,
} from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { MAIL_FROM } from './engine';
import { type SmtpSink, insertSubscriber, publishPost, startSmtpSink, uniquePrefix } from './support';
import { testRedisErrors } from '../helpers/redis-errors';
import { startWorker } from '../helpers/worker';

describe.each(DIALECTS)('instant digests and subscription mails (%s)', (dialect) => {
  let database: TestDatabase;
  let sink: SmtpSink;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.close();
    await database.drop();
  });

  test('when 10 posts are published in a batch, then each instant subscriber gets one mail with all 10', async () => {
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const instant = [
      await insertSubscriber(database.db, { frequency: 'instant', confirmed_at: hourAgo }),
      await insertSubscriber(database.db, { frequency: 'instant', confirmed_at: hourAgo }),
    ];
    await insertSubscriber(database.db, { frequency: 'daily', confirmed_at: hourAgo });
    // The worker as it runs (createWorker): each post's event asks for an instant run, and the
    // requests within INSTANT_DIGEST_DELAY_SECONDS of the first make one run.
    const running = await startWorker(database, {
      redisPrefix: uniquePrefix(),
      smtpUrl: sink.url,
      env: { INSTANT_DIGEST_DELAY_SECONDS: '8', MAIL_FROM },
    });
    try {
      const digests = running.queue(DIGESTS_QUEUE);
      const titles: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        // Written with its outbox event, as the ingest API does; the worker's relay moves it on.
        const post = await publishPost(
          { db: database.db, publicBaseUrl: PUBLIC_BASE_URL },
          new Date(Date.now() - 1000).toISOString(),
        );
        titles.push(post.title);
      }
      await waitFor(
        async () =>
          (await database.db.kysely.selectFrom('digest_deliveries').select('id').where('status', '=', 'sent').execute())
            .length === 2,
        // The batch window (8 s: generous, so that a loaded machine handling the ten events slowly
        // still makes one run) plus the run itself.
        30_000,
        'instant digests not sent',
      );
      // Nothing more to come: no digest job left but the tick scheduler's next one.
      await waitFor(async () => {
        const counts = await digests.getJobCounts('wait', 'active', 'prioritized');
        const delayed = await digests.getDelayed();
        return Object.values(counts).every((n) => n === 0) && delayed.every((job) => job.name === DIGEST_TICK_JOB);
      }, 15_000);
      const mails = await sink.parsed();
      expect(mails).toHaveLength(2);
      for (const mail of mails) for (const title of titles) expect(String(mail.text)).toContain(title);
      const rows = await database.db.kysely.selectFrom('digest_deliveries').selectAll().execute();
      expect(rows.map((r) => r.subscriber_id).sort()).toEqual([...instant].sort());
      expect(rows[0]!.period_key).toMatch(/^instant:\d{8}T\d{6}Z$/);
    } finally {
      await running.close();
    }
  });

  // The subscription-mails job alone (stale and current nonces), fed by hand: no post events involved.
  test('when a confirmation job comes for a pending subscriber, then one confirmation mail is sent; a stale nonce sends nothing', async () => {
    const prefix = uniquePrefix();
    const connection = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    const queue = new Queue(SUBSCRIPTION_MAILS_QUEUE, { connection, prefix });
    const eventsConnection = connection.duplicate();
    const events = new QueueEvents(SUBSCRIPTION_MAILS_QUEUE, { connection: eventsConnection, prefix });
    const mailer = createSmtpMailer(sink.url, { maxConnections: 1 });
    let worker: Worker | undefined;
    try {
      await events.waitUntilReady();
      const id = await insertSubscriber(database.db, {
        email: 'new@example.edu',
        status: 'pending',
        confirmation_nonce: 'nonce-2',
        confirmed_at: null,
      });
      worker = createSubscriptionMailsWorker({
        db: database.db,
        mailer,
        mailFrom: MAIL_FROM,
        publicBaseUrl: PUBLIC_BASE_URL,
        tokenKey: await readSubscriptionTokenKey(database.db.kysely),
        now: () => new Date(),
        logger: pino({ level: 'silent' }),
        connection,
        prefix,
        mailRatePerSecond: 0,
      });
      const stale = { kind: 'confirm' as const, subscriberId: id, nonce: 'nonce-1' };
      const current = { kind: 'confirm' as const, subscriberId: id, nonce: 'nonce-2' };
      const staleJob = await queue.add('confirm', stale, { jobId: confirmationMailJobId(stale) });
      expect(await staleJob.waitUntilFinished(events, 10_000)).toBe('moot');
      const job = await queue.add('confirm', current, { jobId: confirmationMailJobId(current) });
      expect(await job.waitUntilFinished(events, 10_000)).toBe('sent');

      const [mail, ...more] = await sink.parsed();
      expect(more).toHaveLength(0);
      expect(mail!.messageId).toBe(`<confirm.${id}.nonce-2@careers.test.example>`);
      expect(String(mail!.text)).toMatch(/https:\/\/careers\.test\.example\/subscribe\/confirm\?token=[\w-]+\.[\w-]+/);
      expect(String(mail!.html)).toContain('https://careers.test.example/subscribe/confirm?token=');
    } finally {
      await worker?.close();
      await events.close();
      eventsConnection.disconnect();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await mailer.close();
      connection.disconnect();
    }
  });
});
