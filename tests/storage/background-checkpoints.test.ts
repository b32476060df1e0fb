import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { checkpointInBackground } from '../../packages/db/src/sqlite';

const run = promisify(execFile);

// The checkpointer thread is unref'd while the service runs. Closing the database is often the
// last thing a shutdown does: the close must still finish (and what follows it run) when nothing
// else keeps the event loop alive, so this runs in a process of its own, as a service's shutdown.
const SCRIPT = `
const { createDb } = require('@careerfeed/db');
const { sql } = require('kysely');
(async () => {
  const db = createDb('sqlite:' + process.argv[1], { backgroundCheckpoints: true });
  await sql\`create table t (x integer)\`.execute(db.kysely);
  await sql\`insert into t values (1)\`.execute(db.kysely);
  await db.close();
  process.stdout.write('closed\\n');
})();
`;

describe('SQLite background checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-checkpoints-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets close() finish, and what follows it run, when it is the last thing the process does', async () => {
    const file = path.join(dir, 'shutdown.db');
    const { stdout } = await run(process.execPath, ['-e', SCRIPT, file], { cwd: path.resolve(__dirname, '../..') });
    expect(stdout).toBe('closed\n');
    // The main connection closed last and cleanly: SQLite removes the WAL file then.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('hands checkpoints back to SQLite when the thread fails, without ending the process', async () => {
    const database = new Database(path.join(dir, 'main.db'));
    database.pragma('journal_mode = WAL');
    // A file the thread cannot open (its directory does not exist): the thread fails at start.
    const stop = checkpointInBackground(database, path.join(dir, 'missing', 'other.db'), 10);
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    for (let i = 0; i < 200 && database.pragma('wal_autocheckpoint', { simple: true }) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // Stopping a thread that already ended returns at once.
    await stop();
    database.close();
  });
});
