import { type Database, type Transaction, transactInBatches } from '@careerfeed/db';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';

describe.each(DIALECTS)('transactInBatches (%s)', (dialect) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });

  afterAll(async () => {
    await database.drop();
  });

  const at = '2026-12-01T00:00:00.000Z';
  function addDestination(id: string) {
    return async (tx: Transaction<Database>) => {
      await tx
        .insertInto('webhook_destinations')
        .values({
          id,
          url: `https://${id}.example/hooks`,
          networks: '["x"]',
          secret: 'whsec_c2VjcmV0',
          previous_secret: null,
          previous_secret_expires_at: null,
          enabled: 1,
          disabled_reason: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return id;
    };
  }

  async function storedIds(prefix: string): Promise<string[]> {
    const rows = await database.db.kysely
      .selectFrom('webhook_destinations')
      .select('id')
      .where('id', 'like', `${prefix}%`)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  }

  test('when several are asked for at once, then each gets its own result after the commit and all are stored', async () => {
    const transact = transactInBatches(database.db.kysely);
    const results = await Promise.all(['batch-a', 'batch-b', 'batch-c'].map((id) => transact(addDestination(id))));
    expect(results).toEqual(['batch-a', 'batch-b', 'batch-c']);
    expect(await storedIds('batch-')).toEqual(['batch-a', 'batch-b', 'batch-c']);
  });

  test('when one of a batch throws, then only that one fails and nothing it wrote is stored', async () => {
    const transact = transactInBatches(database.db.kysely);
    const failing = transact(async (tx) => {
      await addDestination('mixed-failing')(tx);
      throw new Error('cannot sign');
    });
    const others = ['mixed-a', 'mixed-b'].map((id) => transact(addDestination(id)));
    await expect(failing).rejects.toThrow('cannot sign');
    await expect(Promise.all(others)).resolves.toEqual(['mixed-a', 'mixed-b']);
    expect(await storedIds('mixed-')).toEqual(['mixed-a', 'mixed-b']);
  });
});
