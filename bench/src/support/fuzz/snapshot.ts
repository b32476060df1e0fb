import { createHash } from 'node:crypto';
import { type Db, sql } from '@careerfeed/db';

/**
 * Every table of a careerfeed database as row count + a hash of its rows (order-independent), to
 * tell whether a request changed anything. Columns that running processes write on their own, not
 * because of a request's content, are left out:
 *
 * - `api_keys.last_used_at`: authentication records each use of a valid key, also when the request
 *   is then refused for its body (bookkeeping, not a change the request asked for).
 * - `outbox_events` relay bookkeeping (`dispatched_at`, `handled_at`, `lease_*`, `attempts`,
 *   `last_error`): the relay moves events to Redis in the background, after the write that made them.
 * - `sources` poll results and scheduling (title, cache validators, health, `next_poll_at`): the
 *   worker's polls write them on its own timers.
 */
export const VOLATILE_COLUMNS: Record<string, string[]> = {
  api_keys: ['last_used_at'],
  outbox_events: ['dispatched_at', 'handled_at', 'lease_until', 'lease_owner', 'attempts', 'last_error'],
  sources: [
    'title',
    'etag',
    'last_modified',
    'last_polled_at',
    'last_success_at',
    'last_error_at',
    'last_error_code',
    'last_error',
    'consecutive_failures',
    'last_poll_summary',
    'next_poll_at',
  ],
};

export type Snapshot = Record<string, { rows: number; hash: string }>;

async function tableNames(db: Db): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const result = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
      db.kysely,
    );
    return result.rows.map((r) => r.name);
  }
  const result = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db.kysely);
  return result.rows.map((r) => r.name);
}

function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export async function snapshotDatabase(db: Db): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const table of await tableNames(db)) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.kysely);
    const skip = new Set(VOLATILE_COLUMNS[table] ?? []);
    const lines = result.rows
      .map((row) =>
        JSON.stringify(
          Object.keys(row)
            .filter((column) => !skip.has(column))
            .sort()
            .map((column) => [column, canonical(row[column])]),
        ),
      )
      .sort();
    const hash = createHash('sha256');
    for (const line of lines) hash.update(line).update('\n');
    out[table] = { rows: lines.length, hash: hash.digest('hex').slice(0, 16) };
  }
  return out;
}

/** The tables whose count or hash differ, e.g. `posts: 3 → 4 rows`. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const tables = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return tables.flatMap((table) => {
    const a = before[table];
    const b = after[table];
    if (a?.hash === b?.hash && a?.rows === b?.rows) return [];
    return [
      `${table}: ${a?.rows ?? 'absent'} → ${b?.rows ?? 'absent'} rows${a?.rows === b?.rows ? ' (rows changed)' : ''}`,
    ];
  });
}
