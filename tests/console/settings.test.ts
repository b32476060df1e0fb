import { readSite } from '@careerfeed/posts';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, createConsoleHarness } from '../helpers/console';

describe.each(DIALECTS)('console settings (%s)', (dialect) => {
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

  const form = (overrides: Record<string, string>) => ({
    title: 'UChile Careers',
    description: 'Jobs and internships',
    url: '',
    language: 'es-CL',
    direction: 'auto',
    logoUrl: 'https://careers.test.example/logo.png',
    iconUrl: '',
    brandColor: '#1f3a5f',
    accentColor: '#0b57d0',
    postalAddress: 'Av. Libertador 1058, Santiago',
    defaultDigestHour: '7',
    defaultDigestWeekday: '5',
    ...overrides,
  });

  test('when an admin saves the settings, then they are stored and shown; a colour too light comes back with a message and changes nothing', async () => {
    const admin = await harness.signIn({ role: 'admin' });
    const saved = await admin.agent
      .post('/console/settings')
      .type('form')
      .send({ ...form({}), csrf_token: admin.csrf });
    expect(saved.status).toBe(303);
    const site = await readSite(database.db.kysely);
    expect(site).toMatchObject({
      title: 'UChile Careers',
      language: 'es-CL',
      logoUrl: 'https://careers.test.example/logo.png',
      defaultDigestHour: 7,
      defaultDigestWeekday: 5,
    });
    expect(site.iconUrl).toBeUndefined();
    const page = await admin.agent.get('/console/settings');
    expect(page.text).toContain('value="UChile Careers"');
    expect(page.text).toContain('Settings saved.');

    const refused = await admin.agent
      .post('/console/settings')
      .type('form')
      .send({ ...form({ title: 'Changed', accentColor: '#ffff00' }), csrf_token: admin.csrf });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('dark enough');
    expect(refused.text).toContain('value="#ffff00"');
    expect((await readSite(database.db.kysely)).title).toBe('UChile Careers');
  });

  test('when an editor opens the settings, then the 403 page answers', async () => {
    const editor = await harness.signIn({ role: 'editor' });
    expect((await editor.agent.get('/console/settings')).status).toBe(403);
  });
});
