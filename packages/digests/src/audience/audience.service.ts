import { AppError } from '@careerfeed/core';
import type { Db, DigestFrequency, SubscriberStatus } from '@careerfeed/db';
import * as repo from './audience.repository';

export type { SubscriberSearchRow } from './audience.repository';

export interface AudienceOverview {
  byStatus: Record<SubscriberStatus, number>;
  /** Active subscribers only. */
  byFrequency: Record<DigestFrequency, number>;
  /** Active subscribers following each topic key ("tag:x", "category:y"); `everything` chose none. */
  byTopic: { topic: string; subscribers: number }[];
  everything: number;
}

export interface GrowthPoint {
  /** YYYY-MM-DD (UTC). */
  day: string;
  confirmed: number;
  unsubscribed: number;
  /** Subscribers at the end of the day. */
  audience: number;
}

export interface DigestRunSummary extends repo.RunCountsRow {
  /** Reached by this run and unsubscribed within 7 days of it. */
  unsubscribedAfter: number;
}

const STATUSES: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'suspended'];
const FREQUENCIES: DigestFrequency[] = ['instant', 'daily', 'weekly'];
const DAY_MS = 86_400_000;
/** How long after a digest an unsubscribe is counted against it. */
const UNSUBSCRIBE_ATTRIBUTION_MS = 7 * DAY_MS;

export async function audienceOverview(db: Db): Promise<AudienceOverview> {
  const k = db.kysely;
  const [status, frequency, topicLists] = await Promise.all([
    repo.countByStatus(k),
    repo.countActiveByFrequency(k),
    repo.countActiveTopicLists(k),
  ]);
  const byTopic = new Map<string, number>();
  let everything = 0;
  for (const { topics, n } of topicLists) {
    const keys = parseTopicList(topics);
    if (keys.length === 0) everything += n;
    for (const key of keys) byTopic.set(key, (byTopic.get(key) ?? 0) + n);
  }
  return {
    byStatus: Object.fromEntries(STATUSES.map((s) => [s, status.get(s) ?? 0])) as Record<SubscriberStatus, number>,
    byFrequency: Object.fromEntries(FREQUENCIES.map((f) => [f, frequency.get(f) ?? 0])) as Record<
      DigestFrequency,
      number
    >,
    byTopic: [...byTopic]
      .map(([topic, subscribers]) => ({ topic, subscribers }))
      .sort((a, b) => b.subscribers - a.subscribers || a.topic.localeCompare(b.topic)),
    everything,
  };
}

/** The audience at the end of each of the last `days` UTC days, today included. */
export async function audienceGrowth(deps: { db: Db; now?: () => Date }, days = 90): Promise<GrowthPoint[]> {
  const today = startOfUtcDay(deps.now?.() ?? new Date());
  const first = new Date(today.getTime() - (days - 1) * DAY_MS);
  const k = deps.db.kysely;
  const [before, changes] = await Promise.all([
    repo.countAudienceAt(k, first.toISOString()),
    repo.countDailyChanges(k, first.toISOString()),
  ]);
  const points: GrowthPoint[] = [];
  let audience = before;
  for (let i = 0; i < days; i++) {
    const day = new Date(first.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const confirmed = changes.confirmed.get(day) ?? 0;
    const unsubscribed = changes.unsubscribed.get(day) ?? 0;
    audience += confirmed - unsubscribed;
    points.push({ day, confirmed, unsubscribed, audience: Math.max(0, audience) });
  }
  return points;
}

/** The latest digest runs (one per period key), newest first. */
export async function recentDigestRuns(db: Db, limit = 20): Promise<DigestRunSummary[]> {
  const runs = await repo.findRecentRuns(db.kysely, limit);
  return Promise.all(
    runs.map(async (run) => {
      const from = Date.parse(run.last_sent_at ?? run.window_end);
      const until = new Date((Number.isNaN(from) ? Date.now() : from) + UNSUBSCRIBE_ATTRIBUTION_MS).toISOString();
      return { ...run, unsubscribedAfter: await repo.countUnsubscribedAfterRun(db.kysely, run.period_key, until) };
    }),
  );
}

/** Subscribers whose address contains the text (case-insensitive); at most 50. */
export async function searchSubscribers(db: Db, query: string): Promise<repo.SubscriberSearchRow[]> {
  const fragment = query.trim().toLowerCase();
  if (fragment.length < 3 || fragment.length > 320) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'Type at least 3 characters of the address',
      errors: [{ path: 'q', message: 'must be 3 to 320 characters' }],
    });
  }
  return repo.searchByAddress(db.kysely, fragment, 50);
}

export const SUBSCRIBER_CSV_COLUMNS = [
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

/**
 * Every subscriber as CSV lines (RFC 4180, CRLF), the header first, read 500 rows at a time so an
 * export of any size holds one page in memory. Cells are made safe to open in a spreadsheet.
 */
export async function* subscribersCsv(db: Db, pageSize = 500): AsyncGenerator<string> {
  yield csvLine([...SUBSCRIBER_CSV_COLUMNS]);
  let after = '';
  for (;;) {
    const rows = await repo.findSubscribersAfter(db.kysely, after, pageSize);
    if (rows.length === 0) return;
    let chunk = '';
    for (const row of rows) {
      chunk += csvLine([
        row.email,
        row.status,
        row.frequency,
        parseTopicList(row.topics).join(' '),
        row.paused ? 'yes' : 'no',
        String(row.hard_bounces),
        row.created_at,
        row.confirmed_at ?? '',
        row.unsubscribed_at ?? '',
      ]);
    }
    yield chunk;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * One CSV cell. A cell a spreadsheet would read as a formula (starting with = + - @, or a tab or
 * carriage return that some programs skip before looking) gets a leading apostrophe (OWASP "CSV
 * injection"); then RFC 4180 quoting. Small enough that a library would add more than it saves.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function parseTopicList(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}
