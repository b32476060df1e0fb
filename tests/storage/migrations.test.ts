import { Migrator } from 'kysely';
import {
  assertMigrated,
  isUniqueViolation,
  migrateToLatest,
  migrations,
  pendingMigrations,
  readLegacyManageLinksDeadline,
  uuidv7,
} from '@careerfeed/db';
import { DIALECTS, createTestDatabase } from '../helpers/databases';

describe.each(DIALECTS)('storage on %s', (dialect) => {
  test('when the database is new, then services refuse it until it is migrated, and migrating twice is harmless', async () => {
    const database = await createTestDatabase(dialect, { migrate: false });
    try {
      await expect(assertMigrated(database.db)).rejects.toThrow(/npm run cli -- migrate/);
      await migrateToLatest(database.db);
      const again = await migrateToLatest(database.db);
      expect(again.results).toEqual([]);
      expect(await pendingMigrations(database.db)).toEqual([]);
      await expect(assertMigrated(database.db)).resolves.toBeUndefined();
    } finally {
      await database.drop();
    }
  });

  test('when subscribers exist before link versions, then active ones keep version 0 (their links work until the recorded deadline) and unsubscribed ones start at 1 (their old links are revoked)', async () => {
    const database = await createTestDatabase(dialect, { migrate: false });
    try {
      const migrator = new Migrator({ db: database.db.kysely, provider: { getMigrations: async () => migrations } });
      const before = await migrator.migrateTo('2026-12-06-0006-outbox-handled');
      expect(before.error).toBeUndefined();
      const now = new Date().toISOString();
      const subscriber = (email: string, status: 'active' | 'unsubscribed') => ({
        id: uuidv7(),
        email,
        email_key: email,
        status,
        frequency: 'weekly' as const,
        topics: '[]',
        time_zone: 'UTC',
        delivery_hour: 8,
        delivery_weekday: 1,
        paused: 0,
        hard_bounces: 0,
        created_at: now,
        updated_at: now,
      });
      const active = subscriber('active@uni.example.edu', 'active');
      const gone = subscriber('gone@uni.example.edu', 'unsubscribed');
      // The table as it was: no link_version column yet.
      await database.db.kysely.insertInto('subscribers').values([active, gone]).execute();
      await migrateToLatest(database.db);
      const rows = await database.db.kysely
        .selectFrom('subscribers')
        .select(['email', 'link_version'])
        .orderBy('email')
        .execute();
      expect(rows).toEqual([
        { email: 'active@uni.example.edu', link_version: 0 },
        { email: 'gone@uni.example.edu', link_version: 1 },
      ]);
      const deadline = (await readLegacyManageLinksDeadline(database.db.kysely)).getTime();
      expect(deadline - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(deadline - Date.now()).toBeLessThanOrEqual(90 * 86_400_000);
    } finally {
      await database.drop();
    }
  });

  test('when two posts share a source and external id, then the database refuses the second; a NULL external id never collides', async () => {
    const database = await createTestDatabase(dialect);
    const db = database.db.kysely;
    try {
      const now = new Date().toISOString();
      const authorId = uuidv7();
      await db
        .insertInto('authors')
        .values({ id: authorId, slug: 'a', name: 'A', bio: '', links: '{}', created_at: now, updated_at: now })
        .execute();
      const post = (slug: string, externalId: string | null) => ({
        id: uuidv7(),
        slug,
        title: slug,
        html: '',
        excerpt: '',
        text_content: '',
        word_count: 0,
        author_id: authorId,
        category: null,
        status: 'published' as const,
        published_at: now,
        published_at_utc: now,
        created_at: now,
        updated_at: now,
        canonical_url: null,
        image: null,
        source: 'partner',
        external_id: externalId,
        content_hash: 'x',
      });
      await db.insertInto('posts').values(post('one', 'guid-1')).execute();
      const duplicate = await db
        .insertInto('posts')
        .values(post('two', 'guid-1'))
        .execute()
        .catch((e: unknown) => e);
      expect(isUniqueViolation(duplicate)).toBe(true);
      await db.insertInto('posts').values(post('three', null)).execute();
      await db.insertInto('posts').values(post('four', null)).execute();
      expect(await db.selectFrom('posts').select('slug').orderBy('slug').execute()).toEqual([
        { slug: 'four' },
        { slug: 'one' },
        { slug: 'three' },
      ]);
    } finally {
      await database.drop();
    }
  });

  test('when text holds emoji, CJK and right-to-left scripts, then it is stored and read back unchanged', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const name = '👩🏽‍💻 履歷表 مرحبا Ñandú';
      const now = new Date().toISOString();
      await database.db.kysely
        .insertInto('authors')
        .values({ id: uuidv7(), slug: 'u', name, bio: '', links: '{}', created_at: now, updated_at: now })
        .execute();
      const row = await database.db.kysely
        .selectFrom('authors')
        .select('name')
        .where('slug', '=', 'u')
        .executeTakeFirstOrThrow();
      expect(row.name).toBe(name);
    } finally {
      await database.drop();
    }
  });
});
