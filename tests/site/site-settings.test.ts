import { AppError } from '@careerfeed/core';
import {
  DEFAULT_SITE,
  contrastRatio,
  parseSite,
  readSite,
  saveSite,
  siteDirection,
  textDirectionOf,
  updateSite,
} from '@careerfeed/posts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../helpers/databases';

const NOW = '2026-12-06T12:00:00.000Z';

function validationErrorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('site settings model', () => {
  test('when only a title is given, then every other setting has a safe default', () => {
    expect(parseSite({ title: 'Careers' })).toEqual({
      title: 'Careers',
      description: '',
      language: 'en',
      direction: 'auto',
      brandColor: '#1f3a5f',
      accentColor: '#0b57d0',
      postalAddress: '',
      defaultDigestHour: 8,
      defaultDigestWeekday: 1,
    });
    expect(DEFAULT_SITE.title).toBe('Career Center Blog');
  });

  test('when colours are given in short or upper-case hex, then they are stored as lowercase #rrggbb', () => {
    const site = parseSite({ title: 'Careers', brandColor: '#036', accentColor: '#0B57D0' });
    expect(site.brandColor).toBe('#003366');
    expect(site.accentColor).toBe('#0b57d0');
  });

  test('when a colour is not hex or too light for white text, then a 400 names the field', () => {
    const notHex = validationErrorOf(() => parseSite({ title: 'Careers', accentColor: 'red' }));
    expect(notHex.status).toBe(400);
    expect(notHex.code).toBe('VALIDATION_FAILED');
    expect(notHex.errors).toEqual([{ path: 'accentColor', message: expect.stringMatching(/hex colour/) }]);
    const tooLight = validationErrorOf(() => parseSite({ title: 'Careers', brandColor: '#ffff00' }));
    expect(tooLight.errors?.map((e) => e.path)).toEqual(['brandColor']);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
  });

  test('when a setting is unknown, out of range or a URL is not http(s), then each is reported', () => {
    const error = validationErrorOf(() =>
      parseSite({
        title: 'Careers',
        logoUrl: 'javascript:alert(1)',
        defaultDigestHour: 24,
        defaultDigestWeekday: 0,
        colour: '#000',
      }),
    );
    expect(error.errors?.map((e) => e.path).sort()).toEqual([
      'colour',
      'defaultDigestHour',
      'defaultDigestWeekday',
      'logoUrl',
    ]);
  });

  test('when a form clears the logo URL, then the logo is unset rather than invalid', () => {
    expect(parseSite({ title: 'Careers', logoUrl: '  ' }).logoUrl).toBeUndefined();
  });

  test('when the language is written right to left, then the direction follows it unless staff chose one', () => {
    expect(textDirectionOf('ar')).toBe('rtl');
    expect(textDirectionOf('he-IL')).toBe('rtl');
    expect(textDirectionOf('ku-Arab')).toBe('rtl');
    expect(textDirectionOf('en-US')).toBe('ltr');
    expect(siteDirection({ language: 'fa', direction: 'auto' })).toBe('rtl');
    expect(siteDirection({ language: 'fa', direction: 'ltr' })).toBe('ltr');
  });
});

describe.each(DIALECTS)('site settings storage on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });

  test('when nothing was saved, then the defaults are read; when saved, then the same settings read back', async () => {
    const db = database.db.kysely;
    expect(await readSite(db)).toEqual(DEFAULT_SITE);
    const saved = await saveSite(
      db,
      {
        title: 'Career Center',
        logoUrl: 'https://careers.example.edu/logo.png',
        postalAddress: '1 University Way\nSpringfield, IL 62701',
        defaultDigestHour: 17,
        defaultDigestWeekday: 5,
      },
      NOW,
    );
    expect(await readSite(db)).toEqual(saved);
    expect(saved.defaultDigestHour).toBe(17);
  });

  test('when settings were saved before the new fields existed, then reading fills in their defaults', async () => {
    const db = database.db.kysely;
    await db
      .updateTable('settings')
      .set({ value: JSON.stringify({ title: 'Old', description: 'd', language: 'en' }) })
      .where('key', '=', 'site')
      .execute();
    const site = await readSite(db);
    expect(site).toMatchObject({ title: 'Old', accentColor: '#0b57d0', postalAddress: '', defaultDigestWeekday: 1 });
  });

  test('when an update is partly invalid, then nothing changes; when valid, then only the given fields change', async () => {
    const db = database.db.kysely;
    await saveSite(db, { title: 'Career Center', accentColor: '#123456', logoUrl: 'https://e.example/l.png' }, NOW);
    const before = await readSite(db);
    await expect(updateSite(db, { title: 'New name', accentColor: '#fafafa' }, NOW)).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    await expect(updateSite(db, ['title'], NOW)).rejects.toMatchObject({ status: 400 });
    expect(await readSite(db)).toEqual(before);

    const after = await updateSite(db, { title: 'New name', logoUrl: null, language: 'ar' }, NOW);
    expect(after).toEqual({ ...before, title: 'New name', logoUrl: undefined, language: 'ar' });
    expect(await readSite(db)).toEqual(after);
    expect(siteDirection(after)).toBe('rtl');
  });
});
