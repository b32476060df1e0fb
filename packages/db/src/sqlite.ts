import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, SqliteDialect, SqliteDriver, type SqliteDatabase } from 'kysely';

/**
 * Kysely's SQLite driver prepares every statement anew; better-sqlite3 statements are reusable,
 * and the same few dozen SQL texts run over and over, so keep them. Safe because Kysely never
 * streams from two statements at once on this single connection.
 */
export function withStatementCache(database: BetterSqlite3.Database, maxStatements = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * `BEGIN IMMEDIATE` instead of Kysely's plain `BEGIN`: a deferred transaction that reads and then
 * writes fails with SQLITE_BUSY (which busy_timeout does not retry) when another process — the
 * worker, the CLI, a second ingest — committed in between. Taking the write lock up front makes
 * writers queue on busy_timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly databaseForDriver: SqliteDatabase) {
    super({ database: databaseForDriver });
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.databaseForDriver });
  }
}

// Runs in a worker thread with a connection of its own (better-sqlite3 connections are per-thread).
const CHECKPOINTER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
`;

/**
 * Moves WAL checkpoints off the request thread. SQLite otherwise checkpoints inside whichever
 * commit crosses the threshold, and that commit pays the fsync: the p99 spikes of an ingest burst.
 * The connection this returns for stopping has auto-checkpoint turned off.
 */
export function checkpointInBackground(
  database: BetterSqlite3.Database,
  file: string,
  intervalMs = 500,
): () => Promise<void> {
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: { driver: require.resolve('better-sqlite3'), file, intervalMs },
  });
  // Unref'd so that a running service never stays alive for it; but while stopping it must keep
  // the process alive until it has exited, or a shutdown whose last task this is ends with the
  // event loop empty and everything after `close()` (the main connection's own close) never runs.
  worker.unref();
  // A thread that fails (it could not open the file, the driver threw) must not end the process
  // (an unheard 'error' would) nor leave the WAL growing with nobody checkpointing it: the
  // connection goes back to SQLite's own checkpoints.
  worker.on('error', () => {
    if (database.open) database.pragma('wal_autocheckpoint = 1000');
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return async () => {
    worker.ref();
    worker.postMessage('stop');
    await exited;
  };
}
