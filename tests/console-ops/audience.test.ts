import { execFileSync } from 'node:child_process';
import {
  audienceGrowth,
  audienceOverview,
  recentDigestRuns,
  searchSubscribers,
  subscribersCsv,
} from '@careerfeed/digests';
import { uuidv7 } from '@careerfeed/db';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { insertSubscriber } from '../digests/support';

async function collect(lines: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const chunk of lines) out += chunk;
  return out;
}

/** Python's csv module reads what a spreadsheet would. */
function parseCsv(text: string): string[][] {
  return JSON.parse(
    execFileSync('python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'], {
      input: text,
      encoding: 'utf8',
    }),
  ) as string[][];
}

describe.each(DIALECTS)('audience figures (%s)', (dialect) => {
  let database: TestDatabase;
  const now = () => new Date('2026-11-30T12:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const db = database.db;
    await insertSubscriber(db, {
      email: 'a@example.edu',
      frequency: 'daily',
      topics: '["tag:resumes"]',
      confirmed_at: '2026-11-01T10:00:00.000Z',
    });
    await insertSubscriber(db, {
      email: 'b@example.edu',
      frequency: 'weekly',
      topics: '["tag:resumes","category:events"]',
      confirmed_at: '2026-11-28T10:00:00.000Z',
    });
    await insertSubscriber(db, {
      email: 'c@example.edu',
      frequency: 'weekly',
      topics: '[]',
      confirmed_at: '2026-11-28T11:00:00.000Z',
    });
    await insertSubscriber(db, {
      email: '=HYPERLINK("http://evil")@example.edu',
      status: 'pending',
      confirmed_at: null,
    });
    await insertSubscriber(db, {
      email: '100%_sure@example.edu',
      status: 'unsubscribed',
      confirmed_at: '2026-11-02T00:00:00.000Z',
      unsubscribed_at: '2026-11-29T09:00:00.000Z',
    });
    // Unsubscribed in October, back in November: counted from the new confirmation.
    await insertSubscriber(db, {
      email: 'back@example.edu',
      confirmed_at: '2026-11-20T00:00:00.000Z',
      unsubscribed_at: '2026-10-15T00:00:00.000Z',
    });
    const sentTo = await insertSubscriber(db, {
      email: 'gone@example.edu',
      status: 'unsubscribed',
      confirmed_at: '2026-11-02T00:00:00.000Z',
      unsubscribed_at: '2026-11-26T09:00:00.000Z',
    });
    const delivery = (
      subscriberId: string,
      status: 'sent' | 'skipped' | 'failed' | 'sending',
      extra: Record<string, unknown> = {},
    ) =>
      db.kysely
        .insertInto('digest_deliveries')
        .values({
          id: uuidv7(),
          subscriber_id: subscriberId,
          period_key: 'daily:2026-11-25',
          status,
          window_start: '2026-11-24T08:00:00.000Z',
          window_end: '2026-11-25T08:00:00.000Z',
          post_ids: '[]',
          message_id: null,
          attempts: 1,
          last_error: null,
          created_at: '2026-11-25T08:00:01.000Z',
          updated_at: '2026-11-25T08:00:01.000Z',
          sent_at: status === 'sent' ? '2026-11-25T08:00:02.000Z' : null,
          ...extra,
        })
        .execute();
    const ids = await db.kysely.selectFrom('subscribers').select(['id', 'email']).execute();
    const id = (email: string) => ids.find((r) => r.email === email)!.id;
    await delivery(sentTo, 'sent');
    await delivery(id('a@example.edu'), 'sent');
    await delivery(id('b@example.edu'), 'skipped');
    await delivery(id('c@example.edu'), 'failed', { last_error: '550 mailbox unavailable' });
    await delivery(id('100%_sure@example.edu'), 'sending', { last_error: '421 try later' });
  });
  afterAll(() => database.drop());

  test('counts subscribers by state, active ones by frequency and by topic', async () => {
    const overview = await audienceOverview(database.db);
    expect(overview.byStatus).toEqual({ pending: 1, active: 4, unsubscribed: 2, suspended: 0 });
    expect(overview.byFrequency).toEqual({ instant: 0, daily: 2, weekly: 2 });
    expect(overview.byTopic).toEqual([
      { topic: 'tag:resumes', subscribers: 2 },
      { topic: 'category:events', subscribers: 1 },
    ]);
    expect(overview.everything).toBe(2);
  });

  test('growth: the audience at the end of each day, from confirmations and unsubscribes', async () => {
    const points = await audienceGrowth({ db: database.db, now }, 5);
    expect(points.map((p) => [p.day, p.confirmed, p.unsubscribed, p.audience])).toEqual([
      ['2026-11-26', 0, 1, 3],
      ['2026-11-27', 0, 0, 3],
      ['2026-11-28', 2, 0, 5],
      ['2026-11-29', 0, 1, 4],
      ['2026-11-30', 0, 0, 4],
    ]);
  });

  test('a digest run: sent, skipped, bounced, failing and unsubscribed within a week after it', async () => {
    const [run, ...others] = await recentDigestRuns(database.db);
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({
      period_key: 'daily:2026-11-25',
      sent: 2,
      skipped: 1,
      bounced: 1,
      failing: 1,
      unsubscribedAfter: 1,
    });
  });

  test('search finds addresses by a fragment; LIKE wildcards match only themselves; too short is a 400', async () => {
    expect((await searchSubscribers(database.db, 'EXAMPLE.EDU')).length).toBe(7);
    expect((await searchSubscribers(database.db, '0%_s')).map((r) => r.email)).toEqual(['100%_sure@example.edu']);
    expect(await searchSubscribers(database.db, '%%%')).toEqual([]);
    await expect(searchSubscribers(database.db, 'ab')).rejects.toMatchObject({ status: 400 });
  });

  test('the CSV export reads back in a CSV parser, every row once, formulas defused', async () => {
    const csv = await collect(subscribersCsv(database.db, 2));
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([
      'email',
      'status',
      'frequency',
      'topics',
      'paused',
      'hard_bounces',
      'created_at',
      'confirmed_at',
      'unsubscribed_at',
    ]);
    expect(rows).toHaveLength(8);
    const emails = rows.slice(1).map((r) => r[0]);
    expect(new Set(emails).size).toBe(7);
    expect(emails).toContain(`'=HYPERLINK("http://evil")@example.edu`);
    for (const row of rows.slice(1)) expect(row[0]).not.toMatch(/^[=+\-@]/);
    expect(rows.find((r) => r[0] === 'b@example.edu')?.[3]).toBe('tag:resumes category:events');
  });
});
