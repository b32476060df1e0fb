import { shareMessageId, shareWebhookBody } from '@careerfeed/core';
import { transactEach } from '@careerfeed/db';
import { claimDeliveries, webhookDeliveryStatements } from '@careerfeed/sharing';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';

/** The batched claim of the share webhook worker, against each database. */
describe.each(DIALECTS)('claiming a batch of webhook deliveries (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let destinationId: string;
  let post: { id: string; url: string };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    const created = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', await ingest.bearer('admin'))
      .send({ url: 'http://127.0.0.1:9/hooks', networks: ['x', 'mastodon', 'bluesky', 'threads'] });
    expect(created.status).toBe(201);
    destinationId = (created.body as { id: string }).id;
    const published = await ingest.request
      .post('/v1/posts')
      .set('Authorization', await ingest.bearer())
      .send(buildPost({ published_at: undefined }));
    expect(published.status).toBe(201);
    post = published.body as { id: string; url: string };
  });

  afterAll(async () => {
    await ingest.close();
    await database.drop();
  });

  async function insertDelivery(network: 'x' | 'mastodon' | 'bluesky' | 'threads', status: 'pending' | 'delivered') {
    const id = shareMessageId(destinationId, post.id, network);
    const at = new Date().toISOString();
    await database.db.kysely
      .insertInto('webhook_deliveries')
      .values({
        id,
        destination_id: destinationId,
        post_id: post.id,
        network,
        status,
        body: shareWebhookBody({
          postId: post.id,
          postUrl: post.url,
          network,
          payload: { text: network },
          createdAt: new Date(at),
        }),
        attempts: 0,
        last_error: null,
        created_at: at,
        updated_at: at,
        delivered_at: status === 'delivered' ? at : null,
      })
      .execute();
    return id;
  }

  test('when a batch mixes claimable, delivered, unknown, repeated and unpreparable deliveries, then one claim takes exactly the claimable ones and logs one attempt each', async () => {
    const pending = await insertDelivery('x', 'pending');
    const delivered = await insertDelivery('mastodon', 'delivered');
    const unpreparable = await insertDelivery('bluesky', 'pending');
    const alsoPending = await insertDelivery('threads', 'pending');
    const statements = webhookDeliveryStatements(database.db.kysely, database.db.dialect);
    const attemptedAt = new Date().toISOString();
    const failure = new Error('secret does not open');

    const results = await claimDeliveries(
      transactEach(database.db.kysely),
      statements,
      { deliveryIds: [pending, delivered, 'msg_unknown', unpreparable, pending, alsoPending], attemptedAt },
      (delivery) => {
        if (delivery.id === unpreparable) throw failure;
        return `prepared ${delivery.id}`;
      },
    );

    expect(results.map((r) => (r === undefined ? 'not claimed' : r.claimed ? r.prepared : r.error))).toEqual([
      `prepared ${pending}`,
      'not claimed',
      'not claimed',
      failure,
      // The same id twice in one batch is claimed once.
      'not claimed',
      `prepared ${alsoPending}`,
    ]);
    const claimed = results[0]!;
    expect(claimed.claimed && claimed.delivery).toMatchObject({
      id: pending,
      destination_id: destinationId,
      url: 'http://127.0.0.1:9/hooks',
    });
    const rows = await database.db.kysely
      .selectFrom('webhook_deliveries')
      .select(['id', 'attempts', 'status'])
      .where('post_id', '=', post.id)
      .execute();
    const attemptsOf = Object.fromEntries(rows.map((r) => [r.id, r.attempts]));
    // The unpreparable one's claim was undone: no attempt counted or logged.
    expect(attemptsOf).toEqual({ [pending]: 1, [delivered]: 0, [unpreparable]: 0, [alsoPending]: 1 });
    const logged = await database.db.kysely
      .selectFrom('webhook_attempts')
      .select(['id', 'delivery_id', 'attempted_at', 'outcome'])
      .orderBy('delivery_id')
      .execute();
    expect(logged.map((a) => [a.delivery_id, a.attempted_at, a.outcome])).toEqual(
      [pending, alsoPending].sort().map((id) => [id, attemptedAt, null]),
    );
    expect(logged.map((a) => a.id).sort()).toEqual(results.flatMap((r) => (r?.claimed ? [r.attemptId] : [])).sort());
  });

  test('when another transaction holds one of the rows, then the batch is not stuck in a lock cycle: PostgreSQL claims each alone once it is free, SQLite waits its turn', async () => {
    await database.db.kysely.deleteFrom('webhook_deliveries').where('post_id', '=', post.id).execute();
    const ids = [await insertDelivery('x', 'pending'), await insertDelivery('threads', 'pending')];
    const statements = webhookDeliveryStatements(database.db.kysely, database.db.dialect);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // A transaction that holds one of the deliveries (as a cascading DELETE would) for a while.
    const holder = database.db.kysely.transaction().execute(async (tx) => {
      await tx
        .updateTable('webhook_deliveries')
        .set({ updated_at: new Date().toISOString() })
        .where('id', '=', ids[1]!)
        .execute();
      locked();
      await released;
    });
    await isLocked;

    const claiming = claimDeliveries(
      transactEach(database.db.kysely),
      statements,
      { deliveryIds: ids, attemptedAt: new Date().toISOString() },
      (delivery) => delivery.id,
    );
    setTimeout(release, 200);
    const results = await claiming;
    await holder;

    expect(results.map((r) => r?.claimed && r.prepared)).toEqual(ids);
  });
});
