import path from 'node:path';
import { Client } from 'pg';
import { type Dialect, createDb, migrateToLatest } from '@careerfeed/db';
import type { Cleanup } from './cleanup';
import { SetupError } from './errors';

export interface Store {
  dialect: Dialect;
  url: string;
}

/**
 * A fresh, migrated database for one measurement: a new SQLite file in `dir`, or a new PostgreSQL
 * database on the server of `pgAdminUrl`, dropped again by `cleanup`.
 */
export async function createStore(
  cleanup: Cleanup,
  dialect: Dialect,
  label: string,
  options: { dir: string; pgAdminUrl: string },
): Promise<Store> {
  let url: string;
  if (dialect === 'sqlite') {
    // The file goes with `dir`, which the caller already registered for removal.
    url = `sqlite:${path.join(options.dir, `${label}.db`)}`;
  } else {
    // Only [a-z0-9_] so the name needs no quoting.
    const name = `careerfeed_bench_${process.pid}_${label.replace(/[^a-z0-9_]/g, '_')}`;
    await withAdmin(options.pgAdminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    cleanup.add(`drop database ${name}`, () =>
      withAdmin(options.pgAdminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
    );
    const parsed = new URL(options.pgAdminUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
  }
  const db = createDb(url, { poolSize: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.close();
  }
  return { dialect, url };
}

async function withAdmin(adminUrl: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Row counts that tell whether a run stored what it was sent and whether the relay kept up. */
export async function storeCounts(store: Store): Promise<{ posts: number; outboxPending: number }> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const posts = await db.kysely
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const pending = await db.kysely
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('dispatched_at', 'is', null)
      .executeTakeFirstOrThrow();
    return { posts: Number(posts.n), outboxPending: Number(pending.n) };
  } finally {
    await db.close();
  }
}

/** Fails early, with a message that says what to do, when PostgreSQL is not reachable. */
export async function assertPostgresReachable(adminUrl: string): Promise<void> {
  try {
    await withAdmin(adminUrl, (client) => client.query('select 1'));
  } catch (error) {
    throw new SetupError(
      `PostgreSQL at ${redactPassword(adminUrl)} is not reachable (${error instanceof Error ? error.message : String(error)}); ` +
        'start it, set BENCH_PG_URL, or run with BENCH_DBS=sqlite',
    );
  }
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
