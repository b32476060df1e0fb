import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sqlitePathOf } from './database';
import { migrations } from './migrations';

/** Kysely's migration table: the mark of a careerfeed database, and its schema version. */
const MIGRATION_TABLE = 'kysely_migration';
/** Pages copied per step: small steps let the services write between them. */
const PAGES_PER_STEP = 1000;

/** A refusal the operator can act on: the message says why and what to do; nothing was changed. */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefused';
  }
}

export interface BackupProgress {
  pagesDone: number;
  totalPages: number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  /** How often the copy started over because the services wrote to the database meanwhile. */
  restarts: number;
}

/**
 * An online backup of a SQLite database with SQLite's backup API (better-sqlite3's `backup()`),
 * safe while the services read and write: the copy is one consistent state of the database. It is
 * copied in steps; when another process writes between two steps SQLite starts over, and after the
 * first such restart the rest is copied in one step (one read transaction; in WAL mode writers do
 * not wait for it), so a busy database still gets its backup. Written to a temporary file beside
 * FILE and renamed, so FILE is either absent or complete. Refuses to overwrite FILE.
 */
export async function backupSqlite(
  databaseUrl: string,
  file: string,
  options: { onProgress?: (progress: BackupProgress) => void; progressIntervalMs?: number; pagesPerStep?: number } = {},
): Promise<BackupResult> {
  const source = sqlitePathOf(databaseUrl);
  if (source === ':memory:') throw new BackupRefused('DATABASE_URL is an in-memory database: there is nothing to back up');
  if (!fs.existsSync(source)) throw new BackupRefused(`no database at ${source} (DATABASE_URL)`);
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new BackupRefused(`${file} exists; remove it or choose another name`);
  if (!fs.existsSync(path.dirname(target))) throw new BackupRefused(`no such directory: ${path.dirname(target)}`);

  const interval = options.progressIntervalMs ?? 1000;
  const temporary = `${target}.partial-${process.pid}`;
  const db = new SqliteDatabase(source, { fileMustExist: true });
  let restarts = 0;
  try {
    db.pragma('busy_timeout = 5000');
    let lastReport = Date.now();
    let lastRemaining = Infinity;
    const result = await db.backup(temporary, {
      progress({ totalPages, remainingPages }) {
        if (remainingPages > lastRemaining) restarts += 1;
        lastRemaining = remainingPages;
        if (options.onProgress && Date.now() - lastReport >= interval) {
          lastReport = Date.now();
          options.onProgress({ pagesDone: totalPages - remainingPages, totalPages });
        }
        return restarts > 0 ? 0x7fffffff : (options.pagesPerStep ?? PAGES_PER_STEP);
      },
    });
    const copy = new SqliteDatabase(temporary, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
      // A single file that needs no -wal beside it, and that read-only opens leave alone; the
      // services switch a restored database back to WAL when they open it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fs.renameSync(temporary, target);
    return { file: target, bytes: fs.statSync(target).size, pages: result.totalPages, restarts };
  } finally {
    db.close();
    for (const leftover of [temporary, `${temporary}-wal`, `${temporary}-shm`]) fs.rmSync(leftover, { force: true });
  }
}

/**
 * The pg_dump command that backs up a PostgreSQL DATABASE_URL, without its password (pg_dump
 * reads PGPASSWORD or ~/.pgpass); the connection string is single-quoted for a POSIX shell.
 */
export function pgDumpCommand(databaseUrl: string, file: string): string {
  const url = new URL(databaseUrl);
  url.password = '';
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return `pg_dump --format=custom --no-owner --file=${quote(file)} --dbname=${quote(url.toString())}`;
}

export interface BackupFileInfo {
  /** Migrations the file has applied, all known to this code. */
  applied: string[];
  /** Migrations this code has that the file has not: run `migrate` after restoring. */
  pending: string[];
}

/**
 * Whether FILE is a careerfeed SQLite database this code can run on: an SQLite file that passes
 * a quick integrity check, with the migration table, and no migration this code does not know
 * (a file from a newer careerfeed). Throws BackupRefused saying which.
 */
export function inspectBackupFile(file: string): BackupFileInfo {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new BackupRefused(`no such file: ${file}`);
  const header = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString('latin1') !== 'SQLite format 3\u0000') {
    throw new BackupRefused(`${file} is not a SQLite database, so not a careerfeed backup`);
  }
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupRefused(`${file} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('quick_check', { simple: true });
    } catch (error) {
      throw new BackupRefused(`${file} is damaged: ${(error as Error).message}`);
    }
    if (check !== 'ok') throw new BackupRefused(`${file} is damaged: ${String(check)}`);
    const table = db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(MIGRATION_TABLE);
    if (!table) {
      throw new BackupRefused(`${file} is a SQLite database but not a careerfeed one (it has no ${MIGRATION_TABLE} table)`);
    }
    const applied = (db.prepare(`select name from ${MIGRATION_TABLE} order by name`).all() as { name: string }[]).map(
      (row) => row.name,
    );
    if (applied.length === 0) throw new BackupRefused(`${file} has no migration applied: not a careerfeed database`);
    const unknown = applied.filter((name) => !(name in migrations));
    if (unknown.length > 0) {
      throw new BackupRefused(
        `${file} comes from a newer careerfeed (migrations this version does not know: ${unknown.join(', ')}); ` +
          'restore it with the careerfeed version that wrote it, or a later one',
      );
    }
    return { applied, pending: Object.keys(migrations).filter((name) => !applied.includes(name)) };
  } finally {
    db.close();
  }
}

/** Signs that a process has the database open: SQLite removes -wal and -shm when the last connection closes. */
export function openDatabaseSigns(databaseFile: string): string[] {
  const signs = [`${databaseFile}-wal`, `${databaseFile}-shm`].filter((f) => fs.existsSync(f));
  if (fs.existsSync(databaseFile)) {
    const db = new SqliteDatabase(databaseFile, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 0');
      db.exec('begin immediate; rollback');
    } catch {
      signs.push(`${databaseFile} is locked by a writer`);
    } finally {
      db.close();
    }
  }
  return signs;
}

export interface RestoreResult extends BackupFileInfo {
  database: string;
  /** Where the database that was replaced now is; null when there was none. */
  keptAs: string | null;
}

/**
 * Replaces the SQLite database of DATABASE_URL with FILE, once FILE is known to be a careerfeed
 * database this code can run (`inspectBackupFile`) and no service has the database open (unless
 * `force`). The copy is written beside the database and renamed over it, so the database is
 * either the old one or the whole new one; the old one (with any -wal/-shm) is kept as
 * `<name>.before-restore-<timestamp>`.
 */
export async function restoreSqlite(
  file: string,
  databaseUrl: string,
  options: { force?: boolean; now?: Date } = {},
): Promise<RestoreResult> {
  const target = path.resolve(sqlitePathOf(databaseUrl));
  if (sqlitePathOf(databaseUrl) === ':memory:') throw new BackupRefused('DATABASE_URL is an in-memory database');
  const info = inspectBackupFile(file);
  if (path.resolve(file) === target) throw new BackupRefused(`${file} is the database itself`);
  const signs = openDatabaseSigns(target);
  if (signs.length > 0 && !options.force) {
    throw new BackupRefused(
      `the database seems to be in use (${signs.join(', ')}): stop the ingest, feed and worker services first. ` +
        'If none is running (a crash can leave these files), run again with --force.',
    );
  }

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.restore-${process.pid}`;
  const source = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(temporary);
  } finally {
    source.close();
  }
  const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const keptAs = fs.existsSync(target) ? `${target}.before-restore-${stamp}` : null;
  try {
    if (keptAs) {
      // The old database stays whole under its new name: a hard link first, then its WAL (whose
      // frames belong to it, and would corrupt the restored file if left beside it).
      try {
        fs.linkSync(target, keptAs);
      } catch {
        fs.copyFileSync(target, keptAs);
      }
      for (const suffix of ['-wal', '-shm']) {
        if (fs.existsSync(target + suffix)) fs.renameSync(target + suffix, keptAs + suffix);
      }
    }
    fs.renameSync(temporary, target);
  } finally {
    for (const leftover of [temporary, `${temporary}-wal`, `${temporary}-shm`]) fs.rmSync(leftover, { force: true });
  }
  return { ...info, database: target, keptAs };
}
