import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, type SignedIn, createConsoleHarness } from '../helpers/console';

/** "Add a partner blog" on the console's sources page: the API's service, validation and SSRF check. */
describe.each(DIALECTS)('console: add a partner blog (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let admin: SignedIn;
  let editor: SignedIn;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    // As in production: partner addresses inside the private networks are refused.
    harness = createConsoleHarness(database.db, { allowPrivateNetworks: false });
    admin = await harness.signIn({ role: 'admin' });
    editor = await harness.signIn({ role: 'editor' });
  });
  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  const sources = () => database.db.kysely.selectFrom('sources').selectAll().execute();
  const add = (who: SignedIn, body: Record<string, string>, csrf = true) =>
    who.agent
      .post('/console/distribution/sources')
      .type('form')
      .send(csrf ? { ...body, csrf_token: who.csrf } : body);

  test('with no source yet, the page shows the form and an empty state', async () => {
    const page = await admin.agent.get('/console/distribution/sources');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Add a partner blog');
    expect(page.text).toContain('name="kind" value="wordpress"');
    expect(page.text).toContain('class="empty"');
  });

  // Public addresses as IP literals: the SSRF check resolves host names, and tests run without DNS.
  test('when an admin adds a WordPress site, then it is stored with its kind, audited, and its page opens', async () => {
    const res = await add(admin, { url: 'https://93.184.215.14', kind: 'wordpress' });
    expect(res.status).toBe(303);
    const stored = await sources();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ url: 'https://93.184.215.14/', kind: 'wordpress' });
    expect(res.headers.location).toBe(`/console/distribution/sources/${stored[0]!.id}`);
    const page = await admin.agent.get(res.headers.location as string);
    expect(page.status).toBe(200);
    expect(page.text).toContain('93.184.215.14');
    const audit = await database.db.kysely
      .selectFrom('staff_audit_log')
      .selectAll()
      .where('action', '=', 'source.created')
      .execute();
    expect(audit.map((a) => a.target)).toEqual([`source:${stored[0]!.id}`]);

    const feed = await add(admin, { url: 'https://93.184.215.15/feed/', kind: 'feed' });
    expect(feed.status).toBe(303);
    expect((await sources()).find((s) => s.url === 'https://93.184.215.15/feed/')?.kind).toBe('feed');
  });

  test('a private address, a bad address or a duplicate is a 4xx that keeps what was typed and stores nothing', async () => {
    const before = (await sources()).length;
    const privateAddress = await add(admin, { url: 'http://127.0.0.1:8080/feed', kind: 'feed' });
    expect(privateAddress.status).toBeGreaterThanOrEqual(400);
    expect(privateAddress.status).toBeLessThan(500);
    expect(privateAddress.text).toContain('role="alert"');
    expect(privateAddress.text).toContain('value="http://127.0.0.1:8080/feed"');

    const notUrl = await add(admin, { url: 'javascript:alert(1)', kind: 'wordpress' });
    expect(notUrl.status).toBeGreaterThanOrEqual(400);
    expect(notUrl.status).toBeLessThan(500);
    expect(notUrl.text).toMatch(/id="kind-wordpress"[^>]* checked/);

    const duplicate = await add(admin, { url: 'https://93.184.215.14', kind: 'wordpress' });
    expect(duplicate.status).toBe(409);
    expect((await sources()).length).toBe(before);
  });

  test('without the CSRF token, or as an editor, nothing is added', async () => {
    expect((await add(admin, { url: 'https://a.example.edu/feed', kind: 'feed' }, false)).status).toBe(403);
    expect((await add(editor, { url: 'https://b.example.edu/feed', kind: 'feed' })).status).toBe(403);
    expect((await sources()).map((s) => s.url)).not.toEqual(
      expect.arrayContaining(['https://a.example.edu/feed', 'https://b.example.edu/feed']),
    );
  });
});
