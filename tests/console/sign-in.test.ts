import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, createConsoleHarness, linkIn } from '../helpers/console';
import { CLI_ACTOR, inviteStaff } from '@careerfeed/staff';
import supertest from 'supertest';

describe.each(DIALECTS)('console sign-in and sessions (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db);
  });
  afterAll(async () => {
    await harness?.close();
    await database?.drop();
  });

  test('when a staff member asks for a link, then the page answers the same as for an unknown address and the link in the mail signs in', async () => {
    await inviteStaff(database.db, {
      email: 'Ana@Careers.test.example',
      role: 'editor',
      actor: CLI_ACTOR,
      now: new Date(),
    });
    const agent = supertest.agent(harness.ingest.app);
    const known = await agent.post('/console/sign-in').type('form').send({ email: 'ana@careers.test.example' });
    const unknown = await agent.post('/console/sign-in').type('form').send({ email: 'nobody@careers.test.example' });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const strip = (html: string, email: string) => html.replace(email, 'ADDRESS');
    expect(strip(known.text, 'ana@careers.test.example')).toBe(strip(unknown.text, 'nobody@careers.test.example'));

    const mails = (await harness.mails()).filter(
      (m) => m.to.includes('ana@careers.test.example') || m.to.includes('Ana@'),
    );
    const link = new URL(linkIn(mails[mails.length - 1]!.text));
    expect(link.pathname).toBe('/console/sign-in/link');
    const token = link.searchParams.get('token')!;

    const landing = await agent.get(`${link.pathname}${link.search}`);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain('Ana@Careers.test.example');
    const redeemed = await agent.post('/console/sign-in/link').type('form').send({ token });
    expect(redeemed.status).toBe(303);
    const cookies = ([] as string[]).concat(redeemed.headers['set-cookie'] ?? []);
    const consoleCookie = cookies.find((c) => c.includes('Path=/console'))!;
    expect(consoleCookie).toMatch(/^cf_staff_session=[A-Za-z0-9_-]{43};/);
    expect(consoleCookie).toContain('HttpOnly');
    expect(consoleCookie).toContain('SameSite=Lax');
    expect(consoleCookie).not.toContain('Secure'); // CONSOLE_URL is http here
    expect(cookies.some((c) => c.includes('Path=/admin/queues'))).toBe(true);

    const dashboard = await agent.get('/console/');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('<h1>Dashboard</h1>');

    // The token is stored only as a hash; reusing the link explains instead of signing in.
    const stored = await database.db.kysely.selectFrom('staff_sign_in_links').select('token_hash').execute();
    expect(stored.map((r) => r.token_hash)).not.toContain(token);
    const reused = await supertest(harness.ingest.app).get(`${link.pathname}${link.search}`);
    expect(reused.status).toBe(410);
    expect(reused.type).toBe('text/html');
    expect(reused.text).toContain('already used');
    expect(reused.text).toContain('action="/console/sign-in"');
  });

  test('when a link is older than 15 minutes, then it shows the expired page with a form for a new one', async () => {
    const past = new Date(Date.now() - 16 * 60_000);
    const { token } = await inviteStaff(database.db, {
      email: 'late@careers.test.example',
      role: 'editor',
      actor: CLI_ACTOR,
      now: past,
    });
    const opened = await supertest(harness.ingest.app).get(`/console/sign-in/link?token=${token}`);
    expect(opened.status).toBe(410);
    expect(opened.text).toContain('expired');
    const redeemed = await supertest(harness.ingest.app).post('/console/sign-in/link').type('form').send({ token });
    expect(redeemed.status).toBe(410);
    expect(redeemed.headers['set-cookie']).toBeUndefined();
  });

  test('when signed out, then the session no longer opens the console', async () => {
    const staff = await harness.signIn();
    expect((await staff.agent.get('/console/')).status).toBe(200);
    const out = await staff.agent.post('/console/sign-out').type('form').send({ csrf_token: staff.csrf });
    expect(out.status).toBe(303);
    const after = await staff.agent.get('/console/');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/console/sign-in');
  });

  test('when signing out everywhere, then every session of that account is revoked and others stay', async () => {
    const first = await harness.signIn({ email: 'two-browsers@careers.test.example' });
    // A second browser of the same person.
    const again = await harness.ingest.request
      .post('/console/sign-in')
      .type('form')
      .send({ email: 'two-browsers@careers.test.example' });
    expect(again.status).toBe(200);
    const mails = (await harness.mails()).filter((m) => m.to.includes('two-browsers'));
    const token = new URL(linkIn(mails[mails.length - 1]!.text)).searchParams.get('token')!;
    const second = supertest.agent(harness.ingest.app);
    expect((await second.post('/console/sign-in/link').type('form').send({ token })).status).toBe(303);
    const someoneElse = await harness.signIn();

    // Another person cannot end these sessions by id; the owner can end one from "Your account".
    const sessions = await database.db.kysely
      .selectFrom('staff_sessions')
      .select('id')
      .where('staff_id', '=', first.staffId)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .execute();
    expect(sessions).toHaveLength(2);
    const secondId = sessions[1]!.id;
    await someoneElse.agent
      .post(`/console/account/sessions/${secondId}/revoke`)
      .type('form')
      .send({ csrf_token: someoneElse.csrf });
    expect((await second.get('/console/')).status).toBe(200);
    const account = await first.agent.get('/console/account');
    expect(account.text).toContain(`/console/account/sessions/${secondId}/revoke`);
    await first.agent
      .post(`/console/account/sessions/${secondId}/revoke`)
      .type('form')
      .send({ csrf_token: first.csrf });
    expect((await second.get('/console/')).status).toBe(303);
    expect((await first.agent.get('/console/')).status).toBe(200);
    // Back in, to test signing out everywhere.
    await harness.ingest.request
      .post('/console/sign-in')
      .type('form')
      .send({ email: 'two-browsers@careers.test.example' });
    const again2 = (await harness.mails()).filter((m) => m.to.includes('two-browsers'));
    const token2 = new URL(linkIn(again2[again2.length - 1]!.text)).searchParams.get('token')!;
    expect((await second.post('/console/sign-in/link').type('form').send({ token: token2 })).status).toBe(303);

    const out = await first.agent.post('/console/sign-out-everywhere').type('form').send({ csrf_token: first.csrf });
    expect(out.status).toBe(303);
    expect((await first.agent.get('/console/')).status).toBe(303);
    expect((await second.get('/console/')).status).toBe(303);
    expect((await someoneElse.agent.get('/console/')).status).toBe(200);
    const audit = await database.db.kysely
      .selectFrom('staff_audit_log')
      .select(['action', 'request_id'])
      .where('action', '=', 'session.signed-out-everywhere')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.request_id).toEqual(expect.any(String));
  });

  test("when a POST form lacks the CSRF token or carries another session's, then the 403 page answers and nothing changes", async () => {
    const admin = await harness.signIn({ role: 'admin' });
    const other = await harness.signIn({ role: 'admin' });
    for (const body of [
      { email: 'csrf1@careers.test.example', role: 'editor' },
      { email: 'csrf2@careers.test.example', role: 'editor', csrf_token: other.csrf },
    ]) {
      const response = await admin.agent.post('/console/staff/invite').type('form').send(body);
      expect(response.status).toBe(403);
      expect(response.type).toBe('text/html');
      expect(response.text).toContain('This form has expired');
    }
    const rows = await database.db.kysely
      .selectFrom('staff_accounts')
      .select('email')
      .where('email', 'like', 'csrf%')
      .execute();
    expect(rows).toEqual([]);
    const ok = await admin.agent
      .post('/console/staff/invite')
      .type('form')
      .send({ email: 'csrf3@careers.test.example', role: 'editor', csrf_token: admin.csrf });
    expect(ok.status).toBe(303);
  });

  test('when an editor opens an admin page, then the 403 page answers', async () => {
    const editor = await harness.signIn({ role: 'editor' });
    const response = await editor.agent.get('/console/staff');
    expect(response.status).toBe(403);
    expect(response.text).toContain('This page is for admins');
    const post = await editor.agent
      .post('/console/staff/invite')
      .type('form')
      .send({ email: 'x@careers.test.example', role: 'admin', csrf_token: editor.csrf });
    expect(post.status).toBe(403);
    const nav = await editor.agent.get('/console/');
    expect(nav.text).not.toContain('href="/console/staff"');
  });

  test('when an admin disables a colleague, then their sessions end at once and their new links do not sign in', async () => {
    const admin = await harness.signIn({ role: 'admin' });
    const editor = await harness.signIn({ role: 'editor' });
    const confirm = await admin.agent.get(`/console/staff/${editor.staffId}/disable`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Disable');
    const disabled = await admin.agent
      .post(`/console/staff/${editor.staffId}/disable`)
      .type('form')
      .send({ csrf_token: admin.csrf });
    expect(disabled.status).toBe(303);
    expect((await editor.agent.get('/console/')).status).toBe(303);
    const before = (await harness.mails()).length;
    const asked = await harness.ingest.request.post('/console/sign-in').type('form').send({ email: editor.email });
    expect(asked.status).toBe(200);
    expect((await harness.mails()).length).toBe(before); // no link for a disabled account
  });
});
