import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '@careerfeed/config';
import type { Db } from '@careerfeed/db';
import type { Scope } from '@careerfeed/http';
import type { DigestRunFrequency } from './commands/digest';

import type * as ConfigModule from '@careerfeed/config';
import type * as DbModule from '@careerfeed/db';
import type * as HttpModule from '@careerfeed/http';
import type * as DigestModule from './commands/digest';
import type * as ImportExportModule from './commands/import-export';
import type * as ImportWordPressModule from './commands/import-wordpress';
import type * as StaffModule from './commands/staff';

// Only type imports above: each command loads what it needs (`load`), so `--help` answers
// without loading the database drivers, express or the worker (about 0.8 s of module loading).

/**
 * A module loaded when a command first needs it. `require`, not `import()`: the build is CommonJS,
 * and TypeScript's type check resolves `import()` as an ES module import, which does not map a
 * workspace package to its sources the way the rest of the tree is checked.
 */
function load<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id) as T;
}

const USAGE = `Usage: npm run cli -- <command>

  migrate                                   apply database migrations to DATABASE_URL
  keys create --name NAME [--scope SCOPE]   create an API key (SCOPE: posts:write (default) or admin);
                                            the key is the last line of output
  keys list                                 list keys (never the keys themselves)
  keys revoke ID|PREFIX                     revoke a key
  staff invite --email ADDR --role editor|admin [--name NAME]
                                            create a console account and mail it a one-time sign-in
                                            link (15 min); the link is the last line of output
  staff list                                list console accounts
  import FILE                               import {site, authors, posts} JSON (idempotent by slug)
  import wordpress FILE [--out-dir DIR]     import a WordPress export (WXR 1.1/1.2, Tools → Export):
                                            posts, drafts, scheduled posts, authors, terms; idempotent.
                                            Writes the redirect map (CSV and nginx map) to DIR
                                            (default: the current directory)
  export [--out FILE]                       write everything as import JSON (stdout by default)
  digest run [--frequency daily|weekly|all] enqueue every digest due now; with "all", each active
                                            subscriber's digest of the current period, ignoring the hour
  digest preview --email ADDR [--out DIR]   render that subscriber's next digest to HTML and text files
                                            (default DIR: <DATA_DIR>/previews); sends nothing
  backup FILE                               SQLite: copy the database to FILE, safe while the services
                                            run; PostgreSQL: prints the pg_dump command to use (exit 2)
  restore FILE [--force]                    SQLite: replace the database with the backup FILE (stop the
                                            services first); the old one is kept beside it
`;

class UsageError extends Error {}

async function withDb<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const { createDb } = load<typeof DbModule>('@careerfeed/db');
  const db = createDb(config.databaseUrl, { poolSize: 2 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function run(argv: string[], config: Config, out: (line: string) => void): Promise<void> {
  const [command, subcommand, ...rest] = argv;
  switch (command) {
    case 'migrate': {
      const { migrateToLatest } = load<typeof DbModule>('@careerfeed/db');
      const result = await withDb(config, migrateToLatest);
      const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
      out(
        applied.length
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'database schema is up to date',
      );
      return;
    }
    case 'keys': {
      const { SCOPES, apiKeysRepository, createApiKey } = load<typeof HttpModule>('@careerfeed/http');
      if (subcommand === 'create') {
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } },
        });
        if (!values.name) throw new UsageError('keys create needs --name NAME');
        const scopes = values.scope ?? ['posts:write'];
        for (const scope of scopes) {
          if (!(SCOPES as readonly string[]).includes(scope))
            throw new UsageError(`unknown scope "${scope}"; use one of ${SCOPES.join(', ')}`);
        }
        const created = await withDb(config, (db) => createApiKey(db, values.name!, scopes as Scope[]));
        out(`created key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}`);
        out('store it now; it cannot be shown again:');
        out(created.key);
        return;
      }
      if (subcommand === 'list') {
        const rows = await withDb(config, (db) => apiKeysRepository.listApiKeys(db.kysely));
        for (const row of rows) {
          out(
            `${row.id}  ${row.key_prefix}…  ${row.name}  ${row.scopes}  last used ${row.last_used_at ?? 'never'}${row.revoked_at ? '  REVOKED' : ''}`,
          );
        }
        return;
      }
      if (subcommand === 'revoke') {
        const target = rest[0];
        if (!target) throw new UsageError('keys revoke needs the key id or its prefix');
        const n = await withDb(config, (db) =>
          apiKeysRepository.revokeApiKey(db.kysely, target, new Date().toISOString()),
        );
        if (n === 0) throw new UsageError(`no active key matches "${target}"`);
        out(`revoked ${n} key(s)`);
        return;
      }
      throw new UsageError(`unknown keys command "${subcommand ?? ''}"`);
    }
    case 'staff': {
      const { inviteFromCli, listFromCli } = load<typeof StaffModule>('./commands/staff');
      if (subcommand === 'invite') {
        const { values } = parseArgs({
          args: rest,
          options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
        });
        if (!values.email) throw new UsageError('staff invite needs --email ADDR');
        if (values.role !== 'editor' && values.role !== 'admin')
          throw new UsageError('staff invite needs --role editor or --role admin');
        const result = await withDb(config, (db) =>
          inviteFromCli(config, db, {
            email: values.email!,
            role: values.role as 'editor' | 'admin',
            name: values.name,
          }),
        );
        if ('problem' in result) throw new UsageError(result.problem);
        out(`invited ${result.email} as ${result.role}`);
        out(
          result.mailed
            ? `mailed a sign-in link (valid for 15 minutes, once)`
            : `the mail could not be sent (${result.mailError}); hand over the link yourself`,
        );
        out(result.link);
        return;
      }
      if (subcommand === 'list') {
        for (const line of await withDb(config, listFromCli)) out(line);
        return;
      }
      throw new UsageError(`unknown staff command "${subcommand ?? ''}"`);
    }
    case 'import': {
      if (subcommand === 'wordpress') {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { 'out-dir': { type: 'string' } },
          allowPositionals: true,
        });
        const file = positionals[0];
        if (!file || positionals.length > 1) throw new UsageError('import wordpress needs exactly one FILE');
        if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
        const { describeWordPressImport, importWordPressFile } =
          load<typeof ImportWordPressModule>('./commands/import-wordpress');
        const result = await withDb(config, (db) =>
          importWordPressFile({ db, publicBaseUrl: config.publicBaseUrl }, file, values['out-dir'] ?? '.', (line) =>
            process.stderr.write(`${line}\n`),
          ),
        );
        for (const line of describeWordPressImport(result)) out(line);
        if (result.summary.failed.length > 0) process.exitCode = 1;
        return;
      }
      if (!subcommand) throw new UsageError('import needs a FILE');
      if (!fs.existsSync(subcommand)) throw new UsageError(`no such file: ${subcommand}`);
      const { importFile } = load<typeof ImportExportModule>('./commands/import-export');
      const summary = await withDb(config, (db) => importFile({ db, publicBaseUrl: config.publicBaseUrl }, subcommand));
      out(
        `imported ${summary.authors} author(s); posts: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed.length} failed`,
      );
      for (const failure of summary.failed) out(`  post #${failure.index} (${String(failure.slug)}): ${failure.error}`);
      if (summary.failed.length > 0) process.exitCode = 1;
      return;
    }
    case 'export': {
      const { values } = parseArgs({
        args: [subcommand, ...rest].filter((a): a is string => a !== undefined),
        options: { out: { type: 'string' } },
      });
      const { exportAll } = load<typeof ImportExportModule>('./commands/import-export');
      const data = await withDb(config, (db) => exportAll({ db, publicBaseUrl: config.publicBaseUrl }));
      const json = `${JSON.stringify(data, null, 2)}\n`;
      if (values.out) {
        fs.writeFileSync(values.out, json);
        out(`wrote ${values.out}`);
      } else process.stdout.write(json);
      return;
    }
    case 'digest': {
      const { previewDigest, runDigests } = load<typeof DigestModule>('./commands/digest');
      if (subcommand === 'run') {
        const { values } = parseArgs({ args: rest, options: { frequency: { type: 'string' } } });
        const frequency = values.frequency;
        if (frequency !== undefined && !['daily', 'weekly', 'all'].includes(frequency)) {
          throw new UsageError(`unknown frequency "${frequency}"; use daily, weekly or all`);
        }
        const n = await withDb(config, (db) => runDigests(config, db, frequency as DigestRunFrequency));
        out(`enqueued ${n} digest(s); the worker sends them`);
        return;
      }
      if (subcommand === 'preview') {
        const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, out: { type: 'string' } } });
        if (!values.email) throw new UsageError('digest preview needs --email ADDR');
        const outDir = values.out ?? path.join(config.dataDir, 'previews');
        const result = await withDb(config, (db) => previewDigest(config, db, values.email!, outDir));
        if ('nothing' in result) {
          out(result.nothing);
          return;
        }
        out(`subject: ${result.subject}`);
        out(`${result.posts} post(s); subscriber is ${result.status}; nothing was sent`);
        for (const file of result.files) out(file);
        return;
      }
      throw new UsageError(`unknown digest command "${subcommand ?? ''}"`);
    }
    case 'backup': {
      if (!subcommand || rest.length > 0) throw new UsageError('backup needs exactly one FILE');
      const { backupSqlite, dialectOf, pgDumpCommand } = load<typeof DbModule>('@careerfeed/db');
      if (dialectOf(config.databaseUrl) === 'postgres') {
        process.stderr.write(
          'DATABASE_URL is a PostgreSQL database: back it up with pg_dump (it reads the password from\n' +
            'PGPASSWORD or ~/.pgpass), while the services run:\n\n' +
            `  ${pgDumpCommand(config.databaseUrl, subcommand)}\n\n` +
            'and restore it with pg_restore (see docs/operations.md, "Backups").\n',
        );
        process.exitCode = 2;
        return;
      }
      const started = Date.now();
      const result = await backupSqlite(config.databaseUrl, subcommand, {
        onProgress: ({ pagesDone, totalPages }) =>
          out(`  ${pagesDone}/${totalPages} pages (${Math.floor((100 * pagesDone) / Math.max(1, totalPages))}%)`),
      });
      out(
        `backed up ${result.pages} pages (${formatBytes(result.bytes)}) to ${result.file} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (result.restarts > 0 ? `; the services wrote meanwhile, copy started over ${result.restarts} time(s)` : ''),
      );
      return;
    }
    case 'restore': {
      const { values, positionals } = parseArgs({
        args: [subcommand, ...rest].filter((a): a is string => a !== undefined),
        options: { force: { type: 'boolean' } },
        allowPositionals: true,
      });
      if (positionals.length !== 1) throw new UsageError('restore needs exactly one FILE');
      const { dialectOf, restoreSqlite } = load<typeof DbModule>('@careerfeed/db');
      if (dialectOf(config.databaseUrl) === 'postgres') {
        process.stderr.write(
          'DATABASE_URL is a PostgreSQL database: restore a pg_dump backup with pg_restore (see docs/operations.md, "Backups").\n',
        );
        process.exitCode = 2;
        return;
      }
      const result = await restoreSqlite(positionals[0]!, config.databaseUrl, { force: values.force ?? false });
      out(`restored ${positionals[0]} into ${result.database} (${result.applied.length} migration(s))`);
      out(result.keptAs ? `the previous database is kept as ${result.keptAs}` : 'there was no database before');
      if (result.pending.length > 0) {
        out(
          `the backup predates ${result.pending.length} migration(s): run \`npm run cli -- migrate\` before starting the services`,
        );
      }
      out('start the services again');
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const HELP = new Set([undefined, 'help', '--help', '-h']);

async function main(): Promise<void> {
  // Usage needs neither the configuration nor any module beyond node's own.
  if (HELP.has(process.argv[2])) {
    process.stdout.write(USAGE);
    return;
  }
  let config: Config;
  try {
    const { loadConfig } = load<typeof ConfigModule>('@careerfeed/config');
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  try {
    await run(process.argv.slice(2), config, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

// `npm run cli -- export | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
void main();
