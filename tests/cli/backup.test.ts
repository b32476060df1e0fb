import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { backupSqlite, createDb, migrateToLatest, sqlitePathOf } from '@careerfeed/db';
import { createPost } from '@careerfeed/posts';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { runCli } from '../helpers/processes';

type Rows = Map<string, string[]>;

/** Every row of every table, as JSON, sorted: a database's whole content, comparable row for row. */
function contents(file: string): Rows {
  // Read-write, so that closing the last connection removes -wal and -shm as a service's would.
  const db = new SqliteDatabase(file, { fileMustExist: true });
  try {
    // Full-text indexes (FTS5 virtual tables and their shadow tables) are left out: their rows are
    // b-tree segments that merge as posts arrive, not rows that only ever get added. Their
    // consistency with the posts is checked separately (searchIndexProblems).
    const virtual = (
      db.prepare(`select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%'`).all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    const tables = (
      db
        .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`)
        .all() as { name: string }[]
    ).filter(({ name }) => !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
    return new Map(
      tables.map(({ name }) => [
        name,
        (db.prepare(`select * from "${name}"`).all() as object[]).map((row) => JSON.stringify(row)).sort(),
      ]),
    );
  } finally {
    db.close();
  }
}

/** What is wrong with a copy's search index: FTS5's own integrity check, and one entry per post. */
function searchIndexProblems(file: string): string[] {
  const db = new SqliteDatabase(file, { fileMustExist: true });
  try {
    const problems: string[] = [];
    try {
      db.prepare(`insert into post_search_index (post_search_index) values ('integrity-check')`).run();
    } catch (error) {
      problems.push(`integrity-check: ${(error as Error).message}`);
    }
    const { posts, documents } = db
      .prepare(
        `select (select count(*) from posts) as posts, (select count(*) from post_search_documents) as documents`,
      )
      .get() as { posts: number; documents: number };
    if (posts !== documents) problems.push(`${posts} posts but ${documents} search documents`);
    return problems;
  } finally {
    db.close();
  }
}

function fileOf(database: TestDatabase): string {
  return sqlitePathOf(database.url);
}

function hash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('backup and restore (SQLite)', () => {
  let database: TestDatabase;
  let workDir: string;
  const deps = () => ({ db: database.db, publicBaseUrl: PUBLIC_BASE_URL });
  const addPost = () => createPost(deps(), buildPost() as never);

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-backup-'));
    for (let i = 0; i < 150; i++) await addPost();
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** A fresh DATA_DIR with nothing in it; the database would be <dir>/careerfeed.db. */
  function freshDataDir(): { env: Record<string, string>; file: string } {
    const dir = fs.mkdtempSync(path.join(workDir, 'data-'));
    const file = path.join(dir, 'careerfeed.db');
    return { env: { DATA_DIR: dir, DATABASE_URL: `sqlite:${file}` }, file };
  }

  test('when backed up in steps, then progress goes from 0 to every page and the copy is the database', async () => {
    const file = path.join(workDir, 'stepwise.db');
    const progress: { pagesDone: number; totalPages: number }[] = [];
    const result = await backupSqlite(database.url, file, {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
      pagesPerStep: 20,
    });
    expect(progress.length).toBeGreaterThan(3);
    expect(progress[0]!.pagesDone).toBe(0);
    for (const [i, p] of progress.entries()) {
      expect(p.totalPages).toBe(result.pages);
      if (i > 0) expect(p.pagesDone).toBeGreaterThan(progress[i - 1]!.pagesDone);
    }
    expect(result.bytes).toBe(fs.statSync(file).size);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(contents(file)).toEqual(contents(fileOf(database)));
  });

  test('when backed up by the CLI while a writer keeps inserting posts, then the restored database is one consistent moment of it, row for row', async () => {
    const before = contents(fileOf(database));
    const order: string[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        order.push((await addPost()).post.id);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const file = path.join(workDir, 'while-writing.db');
    let backup;
    try {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the writer is under way
      backup = await runCli(['backup', file], { DATABASE_URL: database.url, DATA_DIR: workDir });
    } finally {
      writing = false;
      await writer;
    }
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/backed up \d+ pages \(\d+\.\d (KiB|MiB)\) to .*while-writing\.db/);
    expect(order.length).toBeGreaterThan(0);

    const target = freshDataDir();
    const restore = await runCli(['restore', file], target.env);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('there was no database before');

    expect(searchIndexProblems(target.file)).toEqual([]);
    const restored = contents(target.file);
    const after = contents(fileOf(database));
    expect([...restored.keys()]).toEqual([...after.keys()]);
    for (const [table, rows] of restored) {
      // Every row that existed before the backup is there, and every row there is the database's own.
      const all = new Set(after.get(table));
      for (const row of rows) expect(all.has(row)).toBe(true);
      const present = new Set(rows);
      for (const row of before.get(table)!) expect(present.has(row)).toBe(true);
    }
    // One moment: the posts written meanwhile that it has are the first k, none after a gap.
    const ids = new Set(restored.get('posts')!.map((row) => (JSON.parse(row) as { id: string }).id));
    const k = order.filter((id) => ids.has(id)).length;
    expect(order.slice(0, k).every((id) => ids.has(id))).toBe(true);
    expect(ids.size).toBe(before.get('posts')!.length + k);
  });

  test('when restored over an existing database, then it equals the backup row for row and the old one is kept beside it', async () => {
    const file = path.join(workDir, 'quiet.db');
    expect((await runCli(['backup', file], { DATABASE_URL: database.url, DATA_DIR: workDir })).code).toBe(0);
    const backupRows = contents(file);
    expect(backupRows).toEqual(contents(fileOf(database)));

    const target = freshDataDir();
    const other = createDb(target.env.DATABASE_URL!);
    await migrateToLatest(other);
    await createPost(
      { db: other, publicBaseUrl: PUBLIC_BASE_URL },
      buildPost({ title: 'Only in the old one' }) as never,
    );
    await other.close();
    const oldRows = contents(target.file);

    const again = await runCli(['backup', file], { DATABASE_URL: database.url, DATA_DIR: workDir });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('exists');

    const restore = await runCli(['restore', file], target.env);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(contents(target.file)).toEqual(backupRows);
    const kept = fs.readdirSync(path.dirname(target.file)).filter((name) => name.includes('.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(restore.stdout).toContain(kept[0]);
    expect(contents(path.join(path.dirname(target.file), kept[0]!))).toEqual(oldRows);
    expect(fs.readdirSync(path.dirname(target.file)).filter((name) => name.includes('.restore-'))).toEqual([]);
  });

  test('when the file is not a careerfeed database, comes from a newer schema, or the services have the database open, then restore refuses and changes nothing', async () => {
    const target = freshDataDir();
    const seeded = createDb(target.env.DATABASE_URL!);
    await migrateToLatest(seeded);
    await seeded.close();
    const original = hash(target.file);
    const unchanged = () => {
      expect(hash(target.file)).toBe(original);
      expect(fs.readdirSync(path.dirname(target.file))).toEqual(['careerfeed.db']);
    };

    const random = path.join(workDir, 'random.bin');
    fs.writeFileSync(random, randomBytes(8192));
    let result = await runCli(['restore', random], target.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a SQLite database');
    unchanged();

    const foreign = path.join(workDir, 'foreign.db');
    const f = new SqliteDatabase(foreign);
    f.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('hi')");
    f.close();
    result = await runCli(['restore', foreign], target.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not a careerfeed one');
    unchanged();

    const newer = path.join(workDir, 'newer.db');
    await backupSqlite(database.url, newer);
    const n = new SqliteDatabase(newer);
    n.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(
      '2099-01-01-0001-future',
      '2099-01-01T00:00:00.000Z',
    );
    n.close();
    result = await runCli(['restore', newer], target.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('newer careerfeed');
    expect(result.stderr).toContain('2099-01-01-0001-future');
    unchanged();

    // A service's connection: the database has its -wal and -shm while it is open.
    const good = path.join(workDir, 'good.db');
    await backupSqlite(database.url, good);
    const running = createDb(target.env.DATABASE_URL!);
    await running.ping();
    try {
      result = await runCli(['restore', good], target.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('stop the ingest, feed and worker services first');
      expect(result.stderr).toContain('--force');
      expect(fs.readdirSync(path.dirname(target.file)).filter((name) => name.includes('before-restore'))).toEqual([]);
    } finally {
      await running.close();
    }
    unchanged();
    result = await runCli(['restore', good], target.env);
    expect(result.code).toBe(0);
    expect(contents(target.file)).toEqual(contents(good));
  });

  test('when DATABASE_URL is PostgreSQL, then backup prints the pg_dump command without the password and exits 2', async () => {
    const result = await runCli(['backup', '/backups/careerfeed.dump'], {
      DATABASE_URL: 'postgres://careerfeed:s3cr%27et@db.internal.example:5433/careerfeed?sslmode=require',
      DATA_DIR: workDir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "pg_dump --format=custom --no-owner --file='/backups/careerfeed.dump' --dbname='postgres://careerfeed@db.internal.example:5433/careerfeed?sslmode=require'",
    );
    expect(result.stderr).not.toContain('s3cr');
    const restore = await runCli(['restore', '/backups/careerfeed.dump'], {
      DATABASE_URL: 'postgres://careerfeed@db.internal.example/careerfeed',
      DATA_DIR: workDir,
    });
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain('pg_restore');
  });
});
