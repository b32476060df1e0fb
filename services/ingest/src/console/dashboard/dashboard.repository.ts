import type { Db, DigestFrequency, SubscriberStatus } from '@careerfeed/db';

export interface DigestRun {
  /** "weekly:2026-W49", "daily:2026-12-06"… */
  periodKey: string;
  sent: number;
  failed: number;
  skipped: number;
  sending: number;
  lastActivityAt: string;
}

export interface ScheduledPost {
  id: string;
  slug: string;
  title: string;
  publishedAtUtc: string;
}

export interface DashboardView {
  subscribers: { status: SubscriberStatus; frequency: DigestFrequency; count: number }[];
  digestRuns: DigestRun[];
  nextScheduled: ScheduledPost[];
  missedSchedules: ScheduledPost[];
  failingSources: number;
  failingWebhooks: number;
  /** Comments waiting for moderation. */
  pendingComments: number;
}

/** How long after its time a scheduled post may wait for the worker before it is flagged. */
export const MISSED_SCHEDULE_GRACE_MS = 5 * 60_000;

/**
 * Published posts whose time came more than the grace ago, within the last week, while one of their
 * post events is still unhandled by the worker: readers see them (visibility follows the clock),
 * but the go-live work — digests, shares, feed refresh — has not happened.
 */
export async function findMissedSchedules(db: Db, now: Date, limit = 10): Promise<ScheduledPost[]> {
  const rows = await db.kysely
    .selectFrom('posts')
    .select(['posts.id', 'posts.slug', 'posts.title', 'posts.published_at_utc'])
    .where('posts.status', '=', 'published')
    .where('posts.published_at_utc', '<=', new Date(now.getTime() - MISSED_SCHEDULE_GRACE_MS).toISOString())
    .where('posts.published_at_utc', '>=', new Date(now.getTime() - 7 * 86_400_000).toISOString())
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('outbox_events')
          .select('outbox_events.id')
          .whereRef('outbox_events.post_id', '=', 'posts.id')
          .where('outbox_events.handled_at', 'is', null),
      ),
    )
    .orderBy('posts.published_at_utc', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, publishedAtUtc: r.published_at_utc! }));
}

export async function findNextScheduled(db: Db, now: Date, limit = 5): Promise<ScheduledPost[]> {
  const rows = await db.kysely
    .selectFrom('posts')
    .select(['id', 'slug', 'title', 'published_at_utc'])
    .where('status', '=', 'published')
    .where('published_at_utc', '>', now.toISOString())
    .orderBy('published_at_utc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, publishedAtUtc: r.published_at_utc! }));
}

export async function countSubscribersByStatusAndFrequency(db: Db): Promise<DashboardView['subscribers']> {
  const rows = await db.kysely
    .selectFrom('subscribers')
    .select(['status', 'frequency', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['status', 'frequency'])
    .execute();
  return rows.map((r) => ({ status: r.status, frequency: r.frequency, count: Number(r.n) }));
}

/** The last scheduled digest runs: one row per period (one digest for every subscriber), newest first. */
export async function listRecentDigestRuns(db: Db, limit = 6): Promise<DigestRun[]> {
  const runs = await db.kysely
    .selectFrom('digest_deliveries')
    .select((eb) => [
      'period_key',
      eb.fn.max('updated_at').as('last_at'),
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'sent').then(1).else(0).end()).as('sent'),
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'failed').then(1).else(0).end()).as('failed'),
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'skipped').then(1).else(0).end()).as('skipped'),
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'sending').then(1).else(0).end()).as('sending'),
    ])
    .where('period_key', 'not like', 'instant:%')
    .groupBy('period_key')
    .orderBy('last_at', 'desc')
    .limit(limit)
    .execute();
  return runs.map((r) => ({
    periodKey: r.period_key,
    sent: Number(r.sent ?? 0),
    failed: Number(r.failed ?? 0),
    skipped: Number(r.skipped ?? 0),
    sending: Number(r.sending ?? 0),
    lastActivityAt: String(r.last_at),
  }));
}

export async function countFailingSources(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('sources')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('consecutive_failures', '>', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Destinations disabled, or with a delivery that failed for good in the last day. */
export async function countFailingWebhooks(db: Db, now: Date): Promise<number> {
  const row = await db.kysely
    .selectFrom('webhook_destinations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where((eb) =>
      eb.or([
        eb('enabled', '=', 0),
        eb.exists(
          eb
            .selectFrom('webhook_deliveries')
            .select('webhook_deliveries.id')
            .whereRef('webhook_deliveries.destination_id', '=', 'webhook_destinations.id')
            .where('webhook_deliveries.status', '=', 'failed')
            .where('webhook_deliveries.updated_at', '>=', new Date(now.getTime() - 86_400_000).toISOString()),
        ),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countPendingComments(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
