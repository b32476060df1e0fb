import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRedisConnection, openDigestsQueue } from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { runCli } from '../helpers/processes';
import { insertSubscriber, publishPost, queuedDigests, uniquePrefix } from './support';
import { testRedisErrors } from '../helpers/redis-errors';

describe.each(DIALECTS)('digest CLI (%s)', (dialect) => {
  let database: TestDatabase;
  const prefix = uniquePrefix();
  const connection = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
  const queue = openDigestsQueue(connection, prefix);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-cli-digest-'));
  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL,
  });

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('when digest run is called, then every digest due now is enqueued once; --frequency all enqueues the current period of everyone else', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const dueDaily = await insertSubscriber(database.db, { next_digest_at: yesterday, digest_cursor: yesterday });
    const dueWeekly = await insertSubscriber(database.db, { frequency: 'weekly', next_digest_at: yesterday });
    const later = new Date(Date.now() + 3600_000).toISOString();
    const notDue = await insertSubscriber(database.db, { next_digest_at: later });
    await insertSubscriber(database.db, { next_digest_at: yesterday, status: 'unsubscribed' });

    const daily = await runCli(['digest', 'run', '--frequency', 'daily'], env());
    expect(daily.code).toBe(0);
    expect(daily.stdout).toContain('enqueued 1 digest(s)');
    const rest = await runCli(['digest', 'run'], env());
    expect(rest.stdout).toContain('enqueued 1 digest(s)');
    const again = await runCli(['digest', 'run'], env());
    expect(again.stdout).toContain('enqueued 0 digest(s)');
    let waiting = (await queuedDigests(queue)).map((d) => d.subscriberId);
    expect(waiting.sort()).toEqual([dueDaily, dueWeekly].sort());

    const all = await runCli(['digest', 'run', '--frequency', 'all'], env());
    expect(all.code).toBe(0);
    const queued = await queuedDigests(queue);
    waiting = queued.map((d) => d.subscriberId);
    // The not-yet-due subscriber now has its current period's digest. The others' current period
    // may be the one an earlier run's page already holds: two pages may then hold the same digest,
    // and the worker sends it once (tests/digests/digest-pages.test.ts); one page never holds it twice.
    expect(waiting).toContain(notDue);
    for (const jobId of new Set(queued.map((d) => d.jobId))) {
      const digests = queued.filter((d) => d.jobId === jobId).map((d) => `${d.subscriberId} ${d.periodKey}`);
      expect(new Set(digests).size).toBe(digests.length);
    }

    const bad = await runCli(['digest', 'run', '--frequency', 'hourly'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown frequency');
  });

  test('when digest preview is called, then the next digest is written as HTML and text files and nothing is sent or recorded', async () => {
    const post = await publishPost(
      { db: database.db, publicBaseUrl: PUBLIC_BASE_URL },
      new Date(Date.now() - 3600_000).toISOString(),
      { title: 'Preview me', tags: ['resumes'] },
    );
    await insertSubscriber(database.db, {
      email: 'Preview@Example.edu',
      topics: JSON.stringify(['tag:resumes']),
      digest_cursor: new Date(Date.now() - 2 * 3600_000).toISOString(),
    });
    const result = await runCli(['digest', 'preview', '--email', 'preview@example.edu'], env());
    expect(result.code).toBe(0);
    const files = result.stdout.split('\n').filter((line) => line.startsWith(dataDir));
    expect(files).toHaveLength(2);
    expect(
      fs.readFileSync(
        files.find((f) => f.endsWith('.html'))!,
        'utf8',
      ),
    ).toContain(post.title);
    expect(
      fs.readFileSync(
        files.find((f) => f.endsWith('.txt'))!,
        'utf8',
      ),
    ).toContain(`${PUBLIC_BASE_URL}/posts/${post.slug}`);
    expect(await database.db.kysely.selectFrom('digest_deliveries').selectAll().execute()).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'outbox'))).toBe(false);

    const unknown = await runCli(['digest', 'preview', '--email', 'nobody@example.edu'], env());
    expect(unknown.stdout).toContain('no subscriber');
  });
});
