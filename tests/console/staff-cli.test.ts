import supertest from 'supertest';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { runCli } from '../helpers/processes';
import { type ConsoleHarness, createConsoleHarness } from '../helpers/console';
import { type SmtpSink, startSmtpSink } from '../digests/support';

describe.each(DIALECTS)('npm run cli -- staff (%s)', (dialect) => {
  let database: TestDatabase;
  let smtp: SmtpSink;
  let harness: ConsoleHarness;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    smtp = await startSmtpSink();
    harness = createConsoleHarness(database.db);
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: harness.dataDir,
      SMTP_URL: smtp.url,
      CONSOLE_URL: 'https://careers.test.example/console',
    };
  });
  afterAll(async () => {
    await harness?.close();
    await smtp?.close();
    await database?.drop();
  });

  test('when an admin is invited, then the account exists, the mail carries the link printed as the last line, and the link signs in once', async () => {
    const result = await runCli(
      ['staff', 'invite', '--email', 'Director@Careers.test.example', '--role', 'admin', '--name', 'Dana Director'],
      env,
    );
    expect(result.code).toBe(0);
    const link = result.stdout.trim().split('\n').pop()!;
    expect(link).toMatch(/^https:\/\/careers\.test\.example\/console\/sign-in\/link\?token=[A-Za-z0-9_-]{43}$/);

    const mails = await smtp.parsed();
    expect(mails).toHaveLength(1);
    expect(smtp.received[0]!.to.map((a) => a.toLowerCase())).toEqual(['director@careers.test.example']);
    expect(mails[0]!.subject).toContain('invited');
    expect(mails[0]!.text).toContain(link);
    expect(mails[0]!.text).toContain('Dana Director');

    const rows = await database.db.kysely.selectFrom('staff_accounts').selectAll().execute();
    expect(rows).toMatchObject([
      {
        email: 'Director@Careers.test.example',
        email_key: 'director@careers.test.example',
        role: 'admin',
        name: 'Dana Director',
      },
    ]);
    const audit = await database.db.kysely.selectFrom('staff_audit_log').selectAll().execute();
    expect(audit).toMatchObject([{ action: 'staff.invited', actor_email: 'cli' }]);

    const token = new URL(link).searchParams.get('token')!;
    const agent = supertest.agent(harness.ingest.app);
    expect((await agent.post('/console/sign-in/link').type('form').send({ token })).status).toBe(303);
    const staffPage = await agent.get('/console/staff');
    expect(staffPage.status).toBe(200);
    expect(staffPage.text).toContain('Director@Careers.test.example');

    const list = await runCli(['staff', 'list'], env);
    expect(list.stdout).toContain('Director@Careers.test.example  admin');
  });

  test('when the address already has an account or the role is unknown, then it exits 2 and sends nothing', async () => {
    const before = smtp.received.length;
    const again = await runCli(
      ['staff', 'invite', '--email', 'director@careers.test.example', '--role', 'editor'],
      env,
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already has a staff account');
    const badRole = await runCli(['staff', 'invite', '--email', 'x@careers.test.example', '--role', 'owner'], env);
    expect(badRole.code).toBe(2);
    expect(smtp.received.length).toBe(before);
    expect(await database.db.kysely.selectFrom('staff_accounts').select('id').execute()).toHaveLength(1);
  });
});
