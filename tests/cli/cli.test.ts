import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { FIXTURE, runCli } from '../helpers/processes';

interface ExportedFile {
  site: { title: string };
  authors: { slug: string }[];
  posts: { slug: string; title: string; author: string; tags: string[]; published_at: string; html: string }[];
}

const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as {
  site: { title: string };
  authors: unknown[];
  posts: { slug: string; published_at: string; tags: string[] }[];
};

describe.each(DIALECTS)('the CLI on %s', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let workDir: string;

  beforeAll(async () => {
    // Unmigrated: `migrate` itself is under test.
    database = await createTestDatabase(dialect, { migrate: false });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-cli-'));
    env = { DATABASE_URL: database.url, DATA_DIR: workDir };
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('when migrate runs twice, then the first applies the schema and the second finds nothing to do', async () => {
    const first = await runCli(['migrate'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration/);
    const second = await runCli(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
  });

  test('when a key is created, then the key is the last line of stdout and only its hash is stored', async () => {
    const result = await runCli(['keys', 'create', '--name', 'newsroom', '--scope', 'admin'], env);
    expect(result.code).toBe(0);
    const key = result.stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^cf_[A-Za-z0-9_-]{40,}$/);
    const rows = await database.db.kysely.selectFrom('api_keys').selectAll().where('name', '=', 'newsroom').execute();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.scopes)).toEqual(['admin']);
    expect(JSON.stringify(rows[0])).not.toContain(key);
  });

  test('when a key is asked for with an unknown scope, then it exits 2 naming the scope and stores nothing', async () => {
    const before = await database.db.kysely.selectFrom('api_keys').select('id').execute();
    const result = await runCli(['keys', 'create', '--name', 'x', '--scope', 'root'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown scope "root"');
    expect(await database.db.kysely.selectFrom('api_keys').select('id').execute()).toHaveLength(before.length);
  });

  test('when the fixture is imported twice, then 48 posts are created once and the second import changes nothing', async () => {
    const first = await runCli(['import', FIXTURE], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `imported ${fixture.authors.length} author(s); posts: ${fixture.posts.length} created, 0 updated, 0 unchanged, 0 failed`,
    );
    const eventsAfterFirst = await database.db.kysely.selectFrom('outbox_events').select('id').execute();

    const second = await runCli(['import', FIXTURE], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`posts: 0 created, 0 updated, ${fixture.posts.length} unchanged, 0 failed`);
    const posts = await database.db.kysely.selectFrom('posts').select(['slug', 'published_at']).execute();
    expect(posts).toHaveLength(fixture.posts.length);
    // Offsets are kept as written, e.g. -03:00.
    const sample = fixture.posts[0]!;
    expect(posts.find((p) => p.slug === sample.slug)?.published_at).toBe(sample.published_at);
    expect(await database.db.kysely.selectFrom('outbox_events').select('id').execute()).toHaveLength(
      eventsAfterFirst.length,
    );
  });

  test('when the store is exported and imported into an empty database, then the posts come back the same', async () => {
    const out = path.join(workDir, 'export.json');
    const exported = await runCli(['export', '--out', out], env);
    expect(exported.code).toBe(0);
    const file = JSON.parse(fs.readFileSync(out, 'utf8')) as ExportedFile;
    expect(file.site.title).toBe(fixture.site.title);
    expect(file.posts.map((p) => p.slug).sort()).toEqual(fixture.posts.map((p) => p.slug).sort());

    const copy = await createTestDatabase(dialect);
    try {
      const copyEnv = { DATABASE_URL: copy.url, DATA_DIR: workDir };
      const imported = await runCli(['import', out], copyEnv);
      expect(imported.code).toBe(0);
      const again = await runCli(['export'], copyEnv);
      const roundTripped = JSON.parse(again.stdout) as ExportedFile;
      const bySlug = (f: ExportedFile) => Object.fromEntries(f.posts.map((p) => [p.slug, p]));
      expect(bySlug(roundTripped)).toEqual(bySlug(file));
    } finally {
      await copy.drop();
    }
  });

  test('when the import file is not JSON of the right shape, then it exits non-zero and stores nothing', async () => {
    const bad = path.join(workDir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ posts: 'not a list' }));
    const before = await database.db.kysely.selectFrom('posts').select('id').execute();
    const result = await runCli(['import', bad], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not an import file/);
    expect(await database.db.kysely.selectFrom('posts').select('id').execute()).toHaveLength(before.length);
  });

  test('when a configuration variable is invalid, then the CLI stops with a message naming it', async () => {
    const result = await runCli(['migrate'], { ...env, PUBLIC_BASE_URL: 'not a url' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PUBLIC_BASE_URL');
  });
});
