import fs from 'node:fs';
import path from 'node:path';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, type SignedIn, createConsoleHarness } from '../helpers/console';
import { waitFor } from '../helpers/wait';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'wordpress', 'career-center.wxr');

/** The WordPress import page, driven over HTTP as a browser without JavaScript drives it. */
describe.each(DIALECTS)('console WordPress import (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let admin: SignedIn;
  let editor: SignedIn;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db);
    admin = await harness.signIn({ role: 'admin' });
    editor = await harness.signIn({ role: 'editor' });
  });
  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  const upload = (who: SignedIn, content: Buffer, name = 'export.xml', csrf: string | null = who.csrf) =>
    who.agent
      .post(`/console/import${csrf === null ? '' : `?csrf_token=${encodeURIComponent(csrf)}`}`)
      .attach('wxr', content, name);
  const postCount = async () =>
    Number(
      (
        await database.db.kysely
          .selectFrom('posts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** Follows the progress page as its meta refresh would, until it stops refreshing. */
  async function untilFinished(location: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const page = await admin.agent.get(location);
      expect(page.status).toBe(200);
      if (!page.text.includes('http-equiv="refresh"')) return page.text;
      expect(page.text).toContain('<meta http-equiv="refresh" content="2">');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the import did not finish');
  }

  test('an editor gets a 403 on the import page and cannot upload', async () => {
    expect((await editor.agent.get('/console/import')).status).toBe(403);
    const res = await upload(editor, fs.readFileSync(FIXTURE));
    expect(res.status).toBe(403);
    expect(await postCount()).toBe(0);
  });

  test('an upload without the CSRF token is a 403 and imports nothing', async () => {
    const res = await upload(admin, fs.readFileSync(FIXTURE), 'export.xml', null);
    expect(res.status).toBe(403);
    expect(await postCount()).toBe(0);
  });

  test('a file that is not XML, or declares a DOCTYPE, is refused with the reason and writes nothing', async () => {
    const page = await admin.agent.get('/console/import');
    expect(page.status).toBe(200);
    expect(page.text).toContain('enctype="multipart/form-data"');

    const zip = await upload(admin, Buffer.from('PK\u0003\u0004 not xml at all'), 'export.zip');
    expect(zip.status).toBe(400);
    expect(zip.text).toContain('role="alert"');
    expect(zip.text).toContain('is not XML');

    const empty = await upload(admin, Buffer.alloc(0), 'empty.xml');
    expect(empty.status).toBe(400);

    const bomb = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss version="2.0"><channel><title>&a;</title></channel></rss>',
    );
    const started = await upload(admin, bomb, 'bomb.xml');
    expect(started.status).toBe(303);
    const text = await untilFinished(started.headers.location as string);
    expect(text).toContain('The import stopped');
    expect(text).toContain('DOCTYPE');
    expect(await postCount()).toBe(0);
    const uploads = path.join(harness.dataDir, 'tmp', 'wordpress-imports');
    expect(fs.existsSync(uploads) ? fs.readdirSync(uploads) : []).toEqual([]);
  });

  test('when a WordPress export is uploaded, then the progress page refreshes until done, the posts exist, and the redirect maps download', async () => {
    const started = await upload(admin, fs.readFileSync(FIXTURE), 'career-center.wxr');
    expect(started.status).toBe(303);
    const location = started.headers.location as string;
    expect(location).toMatch(/^\/console\/import\/[0-9a-f-]{36}$/);

    const done = await untilFinished(location);
    expect(done).toContain('Import done');
    expect(done).toMatch(/<h2>Imported<\/h2><p class="figure">5<\/p>/);
    expect(done).toContain('page (only posts are imported)');
    // The approved comments came along; pingbacks and the rest are listed by reason.
    expect(done).toMatch(/<h2>Comments<\/h2><p class="figure">6<\/p>/);
    expect(done).toContain('pingback');
    expect(await postCount()).toBe(5);
    const slugs = (await database.db.kysely.selectFrom('posts').select('slug').execute()).map((p) => p.slug);
    expect(slugs).toEqual(expect.arrayContaining(['fall-career-fair-how-to-prepare', 'resume-basics']));

    const csv = await admin.agent.get(`${location}/wordpress-redirects.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toContain('/2026/09/14/fall-career-fair-how-to-prepare/');
    const nginx = await admin.agent.get(`${location}/wordpress-redirects.nginx.conf`);
    expect(nginx.status).toBe(200);
    expect(nginx.text).toContain('map ');
    expect(editor.agent && (await editor.agent.get(`${location}/wordpress-redirects.csv`)).status).toBe(403);

    // The end is recorded right after the page says so.
    await waitFor(
      async () =>
        (
          await database.db.kysely
            .selectFrom('staff_audit_log')
            .select('action')
            .where('action', '=', 'wordpress.import_finished')
            .execute()
        ).length === 1,
      5_000,
      'the end of the import was not audited',
    );
    expect(
      await database.db.kysely
        .selectFrom('staff_audit_log')
        .select('action')
        .where('action', '=', 'wordpress.import_started')
        .execute(),
    ).toHaveLength(2); // with the refused DOCTYPE file's

    // Idempotent: the same file again imports nothing new.
    const again = await upload(admin, fs.readFileSync(FIXTURE), 'career-center.wxr');
    const second = await untilFinished(again.headers.location as string);
    expect(second).toMatch(/<h2>Imported<\/h2><p class="figure">0<\/p>/);
    expect(second).toMatch(/5 unchanged/);
    expect(second).toMatch(
      /<h2>Comments<\/h2><p class="figure">0<\/p><p class="hint">approved comments imported; 6 already here/,
    );
    expect(await postCount()).toBe(5);
  });

  test('while an import runs, a second upload is refused with a link to its progress', async () => {
    // A large export (the fixture's items repeated under new ids) keeps the first import busy.
    const source = fs.readFileSync(FIXTURE, 'utf8');
    const start = source.indexOf('<item>');
    const end = source.lastIndexOf('</item>') + '</item>'.length;
    const items = source.slice(start, end);
    const copies: string[] = [];
    for (let i = 1; i <= 60; i++) {
      copies.push(
        items.replace(
          /<wp:post_id>(\d+)<\/wp:post_id>/g,
          (_m, id: string) => `<wp:post_id>${Number(id) + i * 1000}</wp:post_id>`,
        ),
      );
    }
    const big = Buffer.from(source.slice(0, start) + copies.join('\n') + source.slice(end));
    const first = await upload(admin, big, 'big.xml');
    expect(first.status).toBe(303);
    const second = await upload(admin, fs.readFileSync(FIXTURE), 'career-center.wxr');
    expect(second.status).toBe(409);
    expect(second.text).toContain('An import is already running');
    expect(second.text).toContain(`href="${first.headers.location as string}"`);
    // Still running (the 409 just said so): the page refreshes itself and shows where it is.
    const running = await admin.agent.get(first.headers.location as string);
    expect(running.text).toContain('<meta http-equiv="refresh" content="2">');
    expect(running.text).toMatch(/Checking the file|Importing posts|Starting/);
    expect(running.text).toMatch(/<progress max="100" value="\d+"/);
    const done = await untilFinished(first.headers.location as string);
    expect(done).toContain('Import done');
    expect(done).not.toContain('http-equiv="refresh"');
  });
});
