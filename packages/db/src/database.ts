import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationResultSet } from 'kysely';
import { Pool } from 'pg';
import { migrations } from './migrations';
import type { Database } from './schema';
import { ImmediateSqliteDialect, checkpointInBackground, withStatementCache } from './sqlite';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function dialectOf(databaseUrl: string): Dialect {
  if (databaseUrl.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${databaseUrl})`);
}

/** `sqlite:/abs/file.db`, `sqlite:relative.db`, `sqlite://abs` and `sqlite::memory:` are accepted. */
export function sqlitePathOf(databaseUrl: string): string {
  const rest = databaseUrl.slice('sqlite:'.length);
  if (rest === ':memory:') return rest;
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

export interface CreateDbOptions {
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
  /**
   * SQLite only: checkpoint the WAL from a background thread (long-running services). Short-lived
   * processes such as the CLI leave this off and let SQLite checkpoint as usual.
   */
  backgroundCheckpoints?: boolean;
  /**
   * PostgreSQL only: told of every connection that fails outside a query (the server restarted,
   * an admin terminated the backend), idle or checked out. Such errors never end the process: the
   * pool drops the client and connects a new one on the next query. Services log them here.
   */
  onConnectionError?: (error: Error) => void;
}

export function createDb(databaseUrl: string, options: CreateDbOptions = {}): Db {
  const dialect = dialectOf(databaseUrl);
  if (dialect === 'sqlite') {
    const file = sqlitePathOf(databaseUrl);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const database = new SqliteDatabase(file);
    // WAL lets the feed service read while ingest writes; busy_timeout makes a second process wait
    // for the write lock instead of failing at once; NORMAL sync is durable in WAL mode except
    // against power loss of the last transactions, the usual trade-off for an embedded store.
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    const stopCheckpoints =
      options.backgroundCheckpoints && file !== ':memory:' ? checkpointInBackground(database, file) : undefined;
    const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(withStatementCache(database)) });
    return {
      kysely,
      dialect,
      ping: async () => {
        await sql`select 1`.execute(kysely);
      },
      close: async () => {
        await stopCheckpoints?.();
        await kysely.destroy();
      },
    };
  }
  const pool = new Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  // An idle client losing its connection is reported by the pool ('error'), which then removes
  // it. A checked-out client has no pool listener (pg-pool removes it at checkout), so its
  // 'error' event — a backend terminated between two queries of a transaction — would be an
  // uncaught exception: every client gets a listener of its own for its whole life. The query
  // in flight fails on its own (and maps to a 503, see isDatabaseUnavailable); the pool discards
  // the broken client when it is released.
  pool.on('error', (error) => onConnectionError(error));
  pool.on('connect', (client) => {
    client.on('error', (error) => onConnectionError(error));
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}

export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** Names of migrations not yet applied; services refuse to start on an outdated schema. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations } });
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function assertMigrated(db: Db): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new Error(
      `the database schema is out of date (pending: ${pending.join(', ')}); run \`npm run cli -- migrate\``,
    );
  }
}
