import { type QueryParameter, prepareQuery } from '@careerfeed/db';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';

describe.each(DIALECTS)('prepareQuery (%s)', (dialect) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });

  afterAll(async () => {
    await database.drop();
  });

  function statements() {
    const db = database.db.kysely;
    return {
      insert: prepareQuery((param: QueryParameter<{ id: string; url: string; at: string }>) =>
        db.insertInto('webhook_destinations').values({
          id: param('id'),
          url: param('url'),
          networks: '["x"]',
          secret: 'whsec_c2VjcmV0',
          previous_secret: null,
          previous_secret_expires_at: null,
          enabled: 1,
          disabled_reason: null,
          created_at: param('at'),
          updated_at: param('at'),
        }),
      ),
      disable: prepareQuery((param: QueryParameter<{ id: string; at: string }>) =>
        db
          .updateTable('webhook_destinations')
          .set({ enabled: 0, disabled_reason: 'operator', updated_at: param('at') })
          .where('id', '=', param('id'))
          .where('enabled', '=', 1)
          .returning(['id', 'url', 'updated_at']),
      ),
    };
  }

  test('when run with different values, then each run binds its own and the written constants stay', async () => {
    const { insert, disable } = statements();
    await insert(database.db.kysely, { id: 'dest-a', url: 'https://a.example/hooks', at: '2026-12-01T00:00:00.000Z' });
    await insert(database.db.kysely, { id: 'dest-b', url: 'https://b.example/hooks', at: '2026-12-02T00:00:00.000Z' });

    const disabled = await disable(database.db.kysely, { id: 'dest-b', at: '2026-12-03T00:00:00.000Z' });
    expect(disabled.rows).toEqual([
      { id: 'dest-b', url: 'https://b.example/hooks', updated_at: '2026-12-03T00:00:00.000Z' },
    ]);
    // The `enabled = 1` written in the query is still a condition: a second run matches nothing.
    expect((await disable(database.db.kysely, { id: 'dest-b', at: '2026-12-04T00:00:00.000Z' })).rows).toEqual([]);

    const rows = await database.db.kysely
      .selectFrom('webhook_destinations')
      .select(['id', 'url', 'enabled', 'disabled_reason', 'created_at'])
      .where('id', 'in', ['dest-a', 'dest-b'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        id: 'dest-a',
        url: 'https://a.example/hooks',
        enabled: 1,
        disabled_reason: null,
        created_at: '2026-12-01T00:00:00.000Z',
      },
      {
        id: 'dest-b',
        url: 'https://b.example/hooks',
        enabled: 0,
        disabled_reason: 'operator',
        created_at: '2026-12-02T00:00:00.000Z',
      },
    ]);
  });

  test('when run inside a transaction that rolls back, then nothing it wrote stays', async () => {
    const { insert } = statements();
    await expect(
      database.db.kysely.transaction().execute(async (tx) => {
        await insert(tx, { id: 'dest-rolled-back', url: 'https://c.example/hooks', at: '2026-12-01T00:00:00.000Z' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    const found = await database.db.kysely
      .selectFrom('webhook_destinations')
      .select('id')
      .where('id', '=', 'dest-rolled-back')
      .execute();
    expect(found).toEqual([]);
  });

  test('when a named parameter has no value, then it throws before running anything', async () => {
    const { insert } = statements();
    await expect(
      insert(database.db.kysely, { id: 'dest-missing', url: 'https://d.example/hooks' } as never),
    ).rejects.toThrow('no value for the parameter "at"');
  });
});
