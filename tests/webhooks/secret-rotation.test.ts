import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '@careerfeed/core';
import { uuidv7 } from '@careerfeed/db';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { type ReceivedWebhook, type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { type RunningWorker, type StartWorkerOptions, startWorker } from '../helpers/worker';

/**
 * Webhook secrets at rest and their rotation, end to end: the ingest API stores and rotates, the
 * worker (as createWorker runs it) signs, and a receiver verifies with the official
 * `standardwebhooks` library. The database is read raw to prove no secret is stored in clear.
 */

const RETRY_SCHEDULE = [50, 50];

interface Delivery {
  id: string;
  status: string;
  attempts: unknown[];
  last_error: string | null;
}

describe.each(DIALECTS)('webhook secrets at rest and rotation (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let admin: string;
  let receiver: WebhookReceiver;
  let worker: RunningWorker;

  function startTheWorker(options: Partial<StartWorkerOptions> = {}): Promise<RunningWorker> {
    return startWorker(database, {
      redisPrefix: ingest.redisPrefix,
      settings: { webhookTimeoutMs: 2000 },
      webhookRetrySchedule: RETRY_SCHEDULE,
      ...options,
    });
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    admin = await ingest.bearer('admin');
    worker = await startTheWorker();
  });

  afterEach(async () => {
    await allEventsHandled(database.db, ingest);
    const destinations = await database.db.kysely.selectFrom('webhook_destinations').select('id').execute();
    for (const { id } of destinations) {
      await database.db.kysely.deleteFrom('webhook_destinations').where('id', '=', id).execute();
    }
  });

  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await database.drop();
    await receiver.close();
  });

  async function addDestination(path: string): Promise<{ id: string; secret: string }> {
    const response = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: `${receiver.origin}${path}`, networks: ['mastodon'] });
    expect(response.status).toBe(201);
    const created = response.body as { id: string; secret: string };
    receiver.route(path, created.secret);
    return created;
  }

  function rawRow(id: string) {
    return database.db.kysely.selectFrom('webhook_destinations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** Neither the secret nor its key bytes (in either base64 alphabet) appear anywhere in the row. */
  function expectNotInClear(row: object, secret: string): void {
    const text = JSON.stringify(row);
    const keyBytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice('whsec_'.length, 30));
    expect(text).not.toContain(keyBytes.toString('base64url').slice(0, 24));
    expect(text).not.toContain(keyBytes.toString('hex').slice(0, 24));
  }

  async function publish(): Promise<string> {
    const response = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ published_at: undefined }));
    expect(response.status).toBe(201);
    return (response.body as { id: string }).id;
  }

  function verifiesWith(secret: string, message: ReceivedWebhook): boolean {
    try {
      new Webhook(secret).verify(message.body, message.headers);
      return true;
    } catch {
      return false;
    }
  }

  async function deliveries(destinationId: string): Promise<Delivery[]> {
    const response = await ingest.request.get(`/v1/webhooks/${destinationId}/deliveries`).set('Authorization', admin);
    expect(response.status).toBe(200);
    return (response.body as { items: Delivery[] }).items;
  }

  test('when a destination is created and its secret rotated, then the database never holds a secret in clear, and the new one is shown once', async () => {
    const created = await addDestination('/stored');
    const stored = await rawRow(created.id);
    expect(stored.secret).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(stored).toMatchObject({ previous_secret: null, previous_secret_expires_at: null });
    expectNotInClear(stored, created.secret);

    const before = Date.now();
    const rotated = await ingest.request.post(`/v1/webhooks/${created.id}/rotate-secret`).set('Authorization', admin);
    expect(rotated.status).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotated.body).toMatchObject({ id: created.id, url: `${receiver.origin}/stored`, networks: ['mastodon'] });
    expect(rotated.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.body.secret).not.toBe(created.secret);
    // The default overlap: 24 hours from the rotation.
    const expires = Date.parse(rotated.body.previous_secret_expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);

    const after = await rawRow(created.id);
    expect(after.secret).toMatch(/^enc:v1:/);
    expect(after.previous_secret).toMatch(/^enc:v1:/);
    expect(after.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    expectNotInClear(after, created.secret);
    expectNotInClear(after, rotated.body.secret);

    const read = await ingest.request.get(`/v1/webhooks/${created.id}`).set('Authorization', admin);
    expect(JSON.stringify(read.body)).not.toContain(rotated.body.secret);
    expect(read.body).not.toHaveProperty('secret');
  });

  test('when the rotation is asked without the admin scope, for an unknown id or with a bad body, then a precise 4xx and nothing changes', async () => {
    const created = await addDestination('/guarded');
    const before = await rawRow(created.id);
    const path = `/v1/webhooks/${created.id}/rotate-secret`;

    const writer = await ingest.request.post(path).set('Authorization', auth);
    expect(writer.status).toBe(403);
    expect(writer.body.code).toBe('FORBIDDEN');
    expect((await ingest.request.post(path)).status).toBe(401);

    for (const unknown of [uuidv7(), 'not-an-id']) {
      const response = await ingest.request.post(`/v1/webhooks/${unknown}/rotate-secret`).set('Authorization', admin);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.body.code).toBe('NOT_FOUND');
    }

    for (const [body, field] of [
      [{ overlap_seconds: -1 }, 'overlap_seconds'],
      [{ overlap_seconds: 604_801 }, 'overlap_seconds'],
      [{ overlap_seconds: 1.5 }, 'overlap_seconds'],
      [{ overlap_seconds: '60' }, 'overlap_seconds'],
      [{ secret: 'whsec_mine' }, 'secret'],
    ] as const) {
      const response = await ingest.request.post(path).set('Authorization', admin).send(body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
    }
    const wrongType = await ingest.request
      .post(path)
      .set('Authorization', admin)
      .set('Content-Type', 'text/plain')
      .send('overlap_seconds=60');
    expect(wrongType.status).toBe(415);
    expect(await rawRow(created.id)).toEqual(before);
    expect((await ingest.request.get(path).set('Authorization', admin)).status).toBe(405);
  });

  test('when deliveries are signed during the overlap, then a receiver verifying with either secret accepts them; after the window only the new secret verifies', async () => {
    const during = await addDestination('/during');
    const lapsed = await addDestination('/lapsed');
    const rotatedDuring = await ingest.request
      .post(`/v1/webhooks/${during.id}/rotate-secret`)
      .set('Authorization', admin)
      .send({});
    const rotatedLapsed = await ingest.request
      .post(`/v1/webhooks/${lapsed.id}/rotate-secret`)
      .set('Authorization', admin)
      .send({ overlap_seconds: 1 });
    expect([rotatedDuring.status, rotatedLapsed.status]).toEqual([200, 200]);
    const newDuring = rotatedDuring.body.secret as string;
    const newLapsed = rotatedLapsed.body.secret as string;
    // Receivers already on the new secret.
    receiver.route('/during', newDuring);
    receiver.route('/lapsed', newLapsed);
    // Let the one-second window of /lapsed pass.
    await waitFor(async () => Date.parse(rotatedLapsed.body.previous_secret_expires_at) < Date.now() - 100, 3000);

    await publish();
    await waitFor(() => receiver.deliveredTo('/during').length === 1 && receiver.deliveredTo('/lapsed').length === 1, 20_000);

    const [inOverlap] = receiver.deliveredTo('/during');
    expect(inOverlap!.verified).toBe(true);
    expect(inOverlap!.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifiesWith(newDuring, inOverlap!)).toBe(true);
    // A receiver that has not switched yet still accepts it.
    expect(verifiesWith(during.secret, inOverlap!)).toBe(true);
    expect(verifiesWith(generateWebhookSecret(), inOverlap!)).toBe(false);

    const [afterWindow] = receiver.deliveredTo('/lapsed');
    expect(afterWindow!.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verifiesWith(newLapsed, afterWindow!)).toBe(true);
    expect(verifiesWith(lapsed.secret, afterWindow!)).toBe(false);
  });

  test('when the worker has the wrong WEBHOOK_SECRETS_KEY, then deliveries fail loudly (logged, dead letter naming the key, nothing sent) and a replay with the right key delivers', async () => {
    const destination = await addDestination('/wrong-key');
    const logged: string[] = [];
    await worker.close({ keepQueues: true });
    const misconfigured = await startTheWorker({
      env: { WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64') },
      logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(line) }),
    });
    try {
      await publish();
      let items: Delivery[] = [];
      await waitFor(async () => {
        items = await deliveries(destination.id);
        return items.length === 1 && items[0]!.status === 'failed';
      }, 20_000);
      expect(items[0]!.last_error).toMatch(/^cannot sign: .*another WEBHOOK_SECRETS_KEY/);
      expect(items[0]!.attempts).toEqual([]);
      expect(receiver.received.filter((r) => r.path === '/wrong-key')).toEqual([]);
      const errors = logged.map((line) => JSON.parse(line) as { level: number; msg: string; destinationId?: string });
      expect(errors).toContainEqual(
        expect.objectContaining({ level: 50, destinationId: destination.id, msg: expect.stringMatching(/WEBHOOK_SECRETS_KEY/) }),
      );
    } finally {
      await misconfigured.close({ keepQueues: true });
      worker = await startTheWorker();
    }

    const [dead] = await deliveries(destination.id);
    const replay = await ingest.request
      .post(`/v1/webhooks/${destination.id}/deliveries/${dead!.id}/replay`)
      .set('Authorization', admin);
    expect(replay.status).toBe(202);
    await waitFor(() => receiver.deliveredTo('/wrong-key').length === 1, 20_000);
    expect(receiver.deliveredTo('/wrong-key')[0]!.verified).toBe(true);
  });

  test('when a destination was stored in plaintext before encryption, then the worker seals it at start and its deliveries still verify with the same secret', async () => {
    const secret = generateWebhookSecret();
    const id = uuidv7();
    const at = new Date().toISOString();
    await database.db.kysely
      .insertInto('webhook_destinations')
      .values({
        id,
        url: `${receiver.origin}/legacy`,
        networks: JSON.stringify(['mastodon']),
        secret,
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: 1,
        disabled_reason: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    receiver.route('/legacy', secret);

    await worker.close({ keepQueues: true });
    worker = await startTheWorker();
    const sealed = await rawRow(id);
    expect(sealed.secret).toMatch(/^enc:v1:/);
    expectNotInClear(sealed, secret);

    await publish();
    await waitFor(() => receiver.deliveredTo('/legacy').length === 1, 20_000);
    expect(receiver.deliveredTo('/legacy')[0]!.verified).toBe(true);
  });
});
