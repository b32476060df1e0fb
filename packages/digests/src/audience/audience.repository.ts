import { type Database, type DigestFrequency, type Kysely, type SubscriberStatus, sql } from '@careerfeed/db';

type Executor = Kysely<Database>;

const num = (value: number | string | bigint | null | undefined): number => Number(value ?? 0);

export async function countByStatus(db: Executor): Promise<Map<SubscriberStatus, number>> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['status', sql<number | string>`count(*)`.as('n')])
    .groupBy('status')
    .execute();
  return new Map(rows.map((row) => [row.status, num(row.n)]));
}

export async function countActiveByFrequency(db: Executor): Promise<Map<DigestFrequency, number>> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['frequency', sql<number | string>`count(*)`.as('n')])
    .where('status', '=', 'active')
    .groupBy('frequency')
    .execute();
  return new Map(rows.map((row) => [row.frequency, num(row.n)]));
}

/** Topic lists of active subscribers that chose some (grouped: identical lists are counted once each). */
export async function countActiveTopicLists(db: Executor): Promise<{ topics: string; n: number }[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['topics', sql<number | string>`count(*)`.as('n')])
    .where('status', '=', 'active')
    .groupBy('topics')
    .execute();
  return rows.map((row) => ({ topics: row.topics, n: num(row.n) }));
}

/** Per UTC day (YYYY-MM-DD) since `sinceUtc`: confirmations and unsubscribes. */
export async function countDailyChanges(
  db: Executor,
  sinceUtc: string,
): Promise<{ confirmed: Map<string, number>; unsubscribed: Map<string, number> }> {
  const day = (column: 'confirmed_at' | 'unsubscribed_at') =>
    db
      .selectFrom('subscribers')
      .select([sql<string>`substr(${sql.ref(column)}, 1, 10)`.as('day'), sql<number | string>`count(*)`.as('n')])
      .where(column, '>=', sinceUtc)
      .groupBy(sql`substr(${sql.ref(column)}, 1, 10)`)
      .execute();
  const [confirmed, unsubscribed] = await Promise.all([day('confirmed_at'), day('unsubscribed_at')]);
  return {
    confirmed: new Map(confirmed.map((row) => [row.day, num(row.n)])),
    unsubscribed: new Map(unsubscribed.map((row) => [row.day, num(row.n)])),
  };
}

/** Subscribers confirmed before `beforeUtc` and not unsubscribed before it: the audience on that day. */
export async function countAudienceAt(db: Executor, beforeUtc: string): Promise<number> {
  const row = await db
    .selectFrom('subscribers')
    .select(sql<number | string>`count(*)`.as('n'))
    .where('confirmed_at', '<', beforeUtc)
    // An unsubscription older than the confirmation ended an earlier subscription of the address.
    .where((eb) =>
      eb.or([
        eb('unsubscribed_at', 'is', null),
        eb('unsubscribed_at', '>=', beforeUtc),
        eb('unsubscribed_at', '<', eb.ref('confirmed_at')),
      ]),
    )
    .executeTakeFirstOrThrow();
  return num(row.n);
}

export interface RunCountsRow {
  period_key: string;
  first_at: string;
  window_end: string;
  sent: number;
  skipped: number;
  bounced: number;
  /** Still `sending` with an error recorded: transient failures not (yet) delivered. */
  failing: number;
  last_sent_at: string | null;
}

export async function findRecentRuns(db: Executor, limit: number): Promise<RunCountsRow[]> {
  const count = (condition: ReturnType<typeof sql>) =>
    sql<number | string>`sum(case when ${condition} then 1 else 0 end)`;
  const rows = await db
    .selectFrom('digest_deliveries')
    .select([
      'period_key',
      sql<string>`min(created_at)`.as('first_at'),
      sql<string>`max(window_end)`.as('window_end'),
      count(sql`status = 'sent'`).as('sent'),
      count(sql`status = 'skipped'`).as('skipped'),
      count(sql`status = 'failed'`).as('bounced'),
      count(sql`status = 'sending' and last_error is not null`).as('failing'),
      sql<string | null>`max(sent_at)`.as('last_sent_at'),
    ])
    .groupBy('period_key')
    .orderBy(sql`min(created_at)`, 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    period_key: row.period_key,
    first_at: row.first_at,
    window_end: row.window_end,
    sent: num(row.sent),
    skipped: num(row.skipped),
    bounced: num(row.bounced),
    failing: num(row.failing),
    last_sent_at: row.last_sent_at,
  }));
}

/** Of the subscribers a run's digest reached, how many unsubscribed within `untilUtc`. */
export async function countUnsubscribedAfterRun(db: Executor, periodKey: string, untilUtc: string): Promise<number> {
  const row = await db
    .selectFrom('digest_deliveries as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select(sql<number | string>`count(*)`.as('n'))
    .where('d.period_key', '=', periodKey)
    .where('d.status', '=', 'sent')
    .where(sql<boolean>`s.unsubscribed_at >= d.sent_at`)
    .where('s.unsubscribed_at', '<', untilUtc)
    .executeTakeFirstOrThrow();
  return num(row.n);
}

export interface SubscriberSearchRow {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: DigestFrequency;
  topics: string;
  paused: number;
  hard_bounces: number;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
}

const SEARCH_COLUMNS = [
  'id',
  'email',
  'status',
  'frequency',
  'topics',
  'paused',
  'hard_bounces',
  'created_at',
  'confirmed_at',
  'unsubscribed_at',
] as const;

/** Addresses containing `fragment` (already lower-cased); LIKE wildcards in it match literally. */
export function searchByAddress(db: Executor, fragment: string, limit: number): Promise<SubscriberSearchRow[]> {
  const escaped = fragment.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .selectFrom('subscribers')
    .select(SEARCH_COLUMNS)
    .where(sql<boolean>`email_key like ${`%${escaped}%`} escape '\\'`)
    .orderBy('email_key')
    .limit(limit)
    .execute();
}

/** One page of every subscriber in id order (keyset: stable while rows are added). */
export function findSubscribersAfter(db: Executor, afterId: string, limit: number): Promise<SubscriberSearchRow[]> {
  return db
    .selectFrom('subscribers')
    .select(SEARCH_COLUMNS)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
