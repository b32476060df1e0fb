import type { Queue } from 'bullmq';
import { NETWORKS, shareMessageId, shareWebhookBody } from '@careerfeed/core';
import {
  type PostEvent,
  WEBHOOK_DELIVERIES_QUEUE,
  WEBHOOK_DELIVERY_BATCH_JOB,
  WEBHOOK_DELIVERY_JOB,
  webhookDeliveryBatchJobId,
  webhookDeliveryJobOptions,
} from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { type RunningWorker, startWorker } from '../helpers/worker';

// Milliseconds instead of the Standard Webhooks hours: 1 attempt + 4 retries, then dead.
const RETRY_SCHEDULE = [50, 50, 50, 50];
const ATTEMPT_TIMEOUT_MS = 400;

interface Delivery {
  id: string;
  post_id: string;
  network: string;
  status: string;
  attempts: {
    attempted_at: string;
    status_code: number | null;
    duration_ms: number;
    error: string | null;
    outcome: string;
  }[];
}

describe.each(DIALECTS)('share payloads and webhooks (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let admin: string;
  let receiver: WebhookReceiver;
  let worker: RunningWorker;
  let deliveriesQueue: Queue;

  /** The worker as it runs (createWorker), with the retry schedule and attempt timeout above. */
  function startTheWorker(): Promise<RunningWorker> {
    return startWorker(database, {
      redisPrefix: ingest.redisPrefix,
      settings: { webhookTimeoutMs: ATTEMPT_TIMEOUT_MS },
      webhookRetrySchedule: RETRY_SCHEDULE,
    });
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    admin = await ingest.bearer('admin');
    worker = await startTheWorker();
    deliveriesQueue = worker.queue(WEBHOOK_DELIVERIES_QUEUE);
  });

  afterEach(async () => {
    // Destinations get every post: each test starts with none.
    await allEventsHandled(database.db, ingest);
    // One at a time, as DELETE /v1/webhooks/{id} does: one statement deleting several destinations
    // locks them in its own order, and deadlocks on PostgreSQL against a share publisher still
    // inserting messages for several destinations (each insert's foreign-key check locks its
    // destination) in another order.
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

  async function addDestination(
    path: string,
    behaviour?: Parameters<WebhookReceiver['route']>[2],
    networks?: string[],
  ): Promise<{ id: string; secret: string }> {
    const response = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: `${receiver.origin}${path}`, ...(networks ? { networks } : {}) });
    expect(response.status).toBe(201);
    const created = response.body as { id: string; secret: string };
    receiver.route(path, created.secret, behaviour);
    return created;
  }

  async function publish(overrides: Record<string, unknown> = {}): Promise<{ id: string; url: string }> {
    // Published now unless told otherwise (the factory's default date is an old one).
    const response = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ published_at: undefined, ...overrides }));
    expect(response.status).toBe(201);
    return response.body as { id: string; url: string };
  }

  async function deliveries(destinationId: string, query = ''): Promise<Delivery[]> {
    const response = await ingest.request
      .get(`/v1/webhooks/${destinationId}/deliveries${query}`)
      .set('Authorization', admin);
    expect(response.status).toBe(200);
    return (response.body as { items: Delivery[] }).items;
  }

  async function settled(destinationId: string): Promise<Delivery[]> {
    let items: Delivery[] = [];
    await waitFor(async () => {
      items = await deliveries(destinationId, '?limit=100');
      return items.length > 0 && items.every((d) => d.status !== 'pending');
    }, 20_000);
    return items;
  }

  /** A pending delivery row, as the publisher writes it, with no job queued for it. */
  async function insertPendingDelivery(
    destinationId: string,
    post: { id: string; url: string },
    network: (typeof NETWORKS)[number] = 'x',
  ): Promise<string> {
    const messageId = shareMessageId(destinationId, post.id, network);
    const at = new Date().toISOString();
    await database.db.kysely
      .insertInto('webhook_deliveries')
      .values({
        id: messageId,
        destination_id: destinationId,
        post_id: post.id,
        network,
        status: 'pending',
        body: shareWebhookBody({
          postId: post.id,
          postUrl: post.url,
          network,
          payload: { text: 'a message queued before this version' },
          createdAt: new Date(at),
        }),
        attempts: 0,
        last_error: null,
        created_at: at,
        updated_at: at,
        delivered_at: null,
      })
      .execute();
    return messageId;
  }

  async function queueIsIdle(): Promise<void> {
    await waitFor(async () => {
      const counts = await deliveriesQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });
  }

  test('when a post is published, then each destination gets one signed message per network it wants, in that network’s body shape, and the payloads are readable', async () => {
    const all = await addDestination('/all');
    const some = await addDestination('/some', undefined, ['mastodon', 'bluesky']);
    const post = await publish({
      title: 'Career fair: bring your résumé 👩‍💻',
      tags: ['career fairs', 'résumé'],
      author: {
        slug: 'maya-okafor',
        name: 'Maya Okafor',
        links: { mastodon: 'https://mastodon.example/@maya', x: 'https://x.com/maya_ok' },
      },
    });

    await waitFor(
      () => receiver.deliveredTo('/all').length === 6 && receiver.deliveredTo('/some').length === 2,
      20_000,
    );
    await allEventsHandled(database.db, ingest);

    const payloads = await ingest.request.get(`/v1/posts/${post.id}/share-payloads`).set('Authorization', auth);
    expect(payloads.status).toBe(200);
    const p = payloads.body as Record<string, Record<string, unknown>>;
    expect(Object.keys(p)).toEqual([...NETWORKS]);
    expect(Object.keys(p.x!)).toEqual(['text']);
    expect(p.x!.text).toContain('via @maya_ok');
    expect(Object.keys(p.mastodon!)).toEqual(['status']);
    expect(p.mastodon!.status).toContain('via @maya@mastodon.example');
    expect(Object.keys(p.bluesky!).sort()).toEqual(['embed', 'facets', 'text']);
    expect(Object.keys(p.linkedin!).sort()).toEqual(['commentary', 'content']);
    expect(Object.keys((p.linkedin!.content as { article: object }).article).sort()).toEqual([
      'description',
      'source',
      'title',
    ]);
    expect(Object.keys(p.facebook!).sort()).toEqual(['link', 'message']);
    expect(Object.keys(p.threads!)).toEqual(['text']);

    const mine = receiver.received.filter((r) => r.path === '/all' || r.path === '/some');
    expect(mine.every((r) => r.verified)).toBe(true);
    const bodies = receiver.deliveredTo('/all').map(
      (r) =>
        JSON.parse(r.body) as {
          type: string;
          data: { post_id: string; post_url: string; network: string; payload: unknown };
        },
    );
    expect(bodies.map((b) => b.data.network).sort()).toEqual([...NETWORKS].sort());
    for (const body of bodies) {
      expect(body.type).toBe('share.payload.created');
      expect(body.data.post_id).toBe(post.id);
      expect(body.data.post_url).toBe(post.url);
      expect(body.data.payload).toEqual(p[body.data.network]);
    }
    expect(
      receiver
        .deliveredTo('/all')
        .map((r) => r.msgId)
        .sort(),
    ).toEqual(NETWORKS.map((n) => shareMessageId(all.id, post.id, n)).sort());
    expect(
      receiver
        .deliveredTo('/some')
        .map((r) => r.msgId)
        .sort(),
    ).toEqual([shareMessageId(some.id, post.id, 'mastodon'), shareMessageId(some.id, post.id, 'bluesky')].sort());

    const log = await settled(all.id);
    expect(log).toHaveLength(6);
    for (const delivery of log) {
      expect(delivery.status).toBe('delivered');
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]!.status_code).toBe(204);
      expect(delivery.attempts[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    }
  });

  test('when the same post event is processed twice, then every message is still delivered exactly once', async () => {
    const destination = await addDestination('/twice');
    const post = await publish();
    await waitFor(() => receiver.deliveredTo('/twice').length === 6, 20_000);
    await allEventsHandled(database.db, ingest);

    // The relay's job, handed to the worker again (as after a crash between handling and acking).
    const row = await database.db.kysely
      .selectFrom('outbox_events')
      .select('payload')
      .where('post_id', '=', post.id)
      .where('type', '=', 'post.published')
      .executeTakeFirstOrThrow();
    const event = JSON.parse(row.payload) as PostEvent;
    await ingest.queue.add(event.type, event, { jobId: `again-${event.eventId}` });
    await ingest.queue.add(event.type, event, { jobId: `and-again-${event.eventId}` });
    await allEventsHandled(database.db, ingest);
    await waitFor(async () => (await deliveriesQueue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0);

    expect(receiver.deliveredTo('/twice')).toHaveLength(6);
    expect(new Set(receiver.deliveredTo('/twice').map((r) => r.msgId)).size).toBe(6);
    expect(await settled(destination.id)).toHaveLength(6);
  });

  test('when the receiver answers 500 once, then the message is retried and succeeds exactly once, with both attempts logged', async () => {
    const destination = await addDestination('/flaky', (n) => ({ status: n === 1 ? 500 : 200 }), ['x']);
    await publish();

    const [delivery] = await settled(destination.id);

    expect(delivery!.status).toBe('delivered');
    expect(delivery!.attempts.map((a) => a.status_code)).toEqual([500, 200]);
    expect(delivery!.attempts[0]!.error).toBe('the receiver answered 500');
    expect(receiver.deliveredTo('/flaky')).toHaveLength(1);
    const tries = receiver.received.filter((r) => r.path === '/flaky');
    expect(tries).toHaveLength(2);
    // Same message, same bytes; each attempt signed afresh (all verified).
    expect(tries[0]!.msgId).toBe(tries[1]!.msgId);
    expect(tries[0]!.body).toBe(tries[1]!.body);
    expect(tries.every((r) => r.verified)).toBe(true);
  });

  test('when the receiver answers 410 Gone, then the destination is disabled, its other messages stop, and PATCH enabled re-enables it', async () => {
    const destination = await addDestination('/gone', () => ({ status: 410 }));
    await publish();

    await settled(destination.id);
    // Attempts already in flight when the first 410 came finish (and are logged) too.
    await waitFor(async () => {
      const counts = await deliveriesQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });
    const log = await deliveries(destination.id, '?limit=100');

    expect(log.filter((d) => d.attempts.some((a) => a.status_code === 410)).length).toBeGreaterThanOrEqual(1);
    expect(log.every((d) => d.status === 'cancelled')).toBe(true);
    const shown = await ingest.request.get(`/v1/webhooks/${destination.id}`).set('Authorization', admin);
    expect(shown.body).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    // Every request it got was answered 410 and nothing is retried: the attempt count stays.
    const gotBefore = receiver.received.filter((r) => r.path === '/gone').length;
    expect(gotBefore).toBe(log.reduce((n, d) => n + d.attempts.length, 0));

    await publish();
    await allEventsHandled(database.db, ingest);
    expect(await deliveries(destination.id, '?limit=100')).toHaveLength(6);

    const patched = await ingest.request
      .patch(`/v1/webhooks/${destination.id}`)
      .set('Authorization', admin)
      .send({ enabled: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: true, disabled_reason: null });
    receiver.route('/gone', destination.secret, () => ({ status: 200 }));
    await publish();
    await waitFor(() => receiver.deliveredTo('/gone').length === 6, 20_000);
  });

  test('when the receiver redirects, then the redirect is not followed, it counts as a failure, and the exhausted message is a dead letter that replay delivers', async () => {
    let redirect = true;
    const target = await addDestination('/redirect-target');
    await database.db.kysely.deleteFrom('webhook_destinations').where('id', '=', target.id).execute();
    const destination = await addDestination(
      '/redirect',
      () => (redirect ? { status: 307, headers: { location: `${receiver.origin}/redirect-target` } } : { status: 200 }),
      ['linkedin'],
    );
    await publish();

    const [dead] = await settled(destination.id);

    expect(dead!.status).toBe('failed');
    expect(dead!.attempts.map((a) => a.status_code)).toEqual(Array(RETRY_SCHEDULE.length + 1).fill(307));
    expect(receiver.received.filter((r) => r.path === '/redirect-target')).toHaveLength(0);
    const letters = await ingest.request.get(`/v1/webhooks/${destination.id}/dead-letters`).set('Authorization', admin);
    expect(letters.status).toBe(200);
    expect((letters.body as { items: Delivery[] }).items.map((d) => d.id)).toEqual([dead!.id]);

    redirect = false;
    const replay = await ingest.request
      .post(`/v1/webhooks/${destination.id}/deliveries/${dead!.id}/replay`)
      .set('Authorization', admin);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: dead!.id, status: 'pending' });
    await waitFor(() => receiver.deliveredTo('/redirect').length === 1, 20_000);
    const [replayed] = await settled(destination.id);
    expect(replayed!.status).toBe('delivered');
    expect(replayed!.attempts.at(-1)!.status_code).toBe(200);
    const again = await ingest.request
      .post(`/v1/webhooks/${destination.id}/deliveries/${dead!.id}/replay`)
      .set('Authorization', admin);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
  });

  test('when the receiver answers 503 with Retry-After, then the next attempt waits at least that long', async () => {
    const destination = await addDestination(
      '/busy',
      (n) => (n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 }),
      ['threads'],
    );
    await publish();

    const [delivery] = await settled(destination.id);

    expect(delivery!.status).toBe('delivered');
    const tries = receiver.received.filter((r) => r.path === '/busy');
    expect(tries.map((r) => r.status)).toEqual([503, 200]);
    // The schedule alone would retry after 50 ms; the receiver asked for 2 s.
    expect(tries[1]!.receivedAt - tries[0]!.receivedAt).toBeGreaterThanOrEqual(2_000);
  });

  test('when the receiver hangs, then the attempt times out, is logged, and the retry delivers', async () => {
    const destination = await addDestination('/hang', (n) => (n === 1 ? 'hang' : { status: 202 }), ['facebook']);
    await publish();

    const [delivery] = await settled(destination.id);

    expect(delivery!.status).toBe('delivered');
    expect(delivery!.attempts[0]!.status_code).toBeNull();
    expect(delivery!.attempts[0]!.error).toMatch(/^TIMEOUT/);
    expect(delivery!.attempts[1]!.status_code).toBe(202);
  });

  test('when old posts are imported (published long ago), then their payloads are stored but nothing is delivered', async () => {
    const destination = await addDestination('/imports');
    const old = await publish({ published_at: '2024-03-01T09:00:00Z' });
    const fresh = await publish();
    await waitFor(() => receiver.deliveredTo('/imports').length === 6, 20_000);
    await allEventsHandled(database.db, ingest);

    const stored = await ingest.request.get(`/v1/posts/${old.id}/share-payloads`).set('Authorization', auth);
    expect(stored.status).toBe(200);
    expect(Object.keys(stored.body as object)).toHaveLength(6);
    const log = await settled(destination.id);
    expect(new Set(log.map((d) => d.post_id))).toEqual(new Set([fresh.id]));
  });

  test('when a published post is edited, then its stored payloads follow the edit and nothing is delivered again', async () => {
    await addDestination('/edits', undefined, ['x']);
    const post = await publish({ title: 'Before the edit' });
    await waitFor(() => receiver.deliveredTo('/edits').length === 1, 20_000);

    const edited = await ingest.request
      .patch(`/v1/posts/${post.id}`)
      .set('Authorization', auth)
      .send({ title: 'After the edit' });
    expect(edited.status).toBe(200);
    await allEventsHandled(database.db, ingest);

    const payloads = await ingest.request.get(`/v1/posts/${post.id}/share-payloads`).set('Authorization', auth);
    expect((payloads.body as { x: { text: string } }).x.text).toMatch(/^After the edit/);
    expect(receiver.received.filter((r) => r.path === '/edits')).toHaveLength(1);
  });

  test('when a post is a draft, scheduled, or unpublished, then it has no share payloads (404 SHARE_PAYLOADS_NOT_READY); an unknown id is 404 NOT_FOUND', async () => {
    const draft = await publish({ status: 'draft' });
    const published = await publish();
    await allEventsHandled(database.db, ingest);
    const unpublish = await ingest.request
      .patch(`/v1/posts/${published.id}`)
      .set('Authorization', auth)
      .send({ status: 'draft' });
    expect(unpublish.status).toBe(200);
    await allEventsHandled(database.db, ingest);

    for (const id of [draft.id, published.id]) {
      const response = await ingest.request.get(`/v1/posts/${id}/share-payloads`).set('Authorization', auth);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('SHARE_PAYLOADS_NOT_READY');
    }
    const unknown = await ingest.request
      .get('/v1/posts/01936f6e-0000-7000-8000-000000000000/share-payloads')
      .set('Authorization', auth);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const hostile = await ingest.request.get('/v1/posts/%E2%80%AE..%2F/share-payloads').set('Authorization', auth);
    expect(hostile.status).toBe(404);
  });

  test('when a scheduled post goes live, then it is shared then, not when it was written', async () => {
    await addDestination('/scheduled', undefined, ['bluesky']);
    // Far enough ahead that publishing and handling its event end before it, even on a busy machine.
    const at = new Date(Date.now() + 6_000).toISOString();
    const post = await publish({ published_at: at });
    await allEventsHandled(database.db, ingest);
    const askedEarly = Date.now();
    const early = await ingest.request.get(`/v1/posts/${post.id}/share-payloads`).set('Authorization', auth);
    expect({ askedEarly: askedEarly < Date.parse(at), status: early.status }).toEqual({
      askedEarly: true,
      status: 404,
    });

    await waitFor(() => receiver.deliveredTo('/scheduled').length === 1, 20_000);

    // Nothing reached the receiver before the post's time, and exactly one message after it.
    expect(receiver.received.filter((r) => r.path === '/scheduled' && r.receivedAt < Date.parse(at))).toEqual([]);
    const [request] = receiver.deliveredTo('/scheduled');
    expect(request!.receivedAt).toBeGreaterThanOrEqual(Date.parse(at));
    expect((JSON.parse(request!.body) as { data: { post_id: string } }).data.post_id).toBe(post.id);
  });

  test('when Redis lost the job of a pending delivery, then restoring from the database (worker start) delivers it once', async () => {
    const post = await publish();
    await allEventsHandled(database.db, ingest);
    // Created after the post was shared, so nothing is queued for it: the row stands for a message
    // whose job a Redis without persistence forgot.
    const destination = await addDestination('/restored', undefined, ['x']);
    await insertPendingDelivery(destination.id, post);

    // Another worker of the deployment starts: its start() restores the job from the row.
    const restarted = await startTheWorker();
    try {
      await waitFor(() => receiver.deliveredTo('/restored').length === 1, 20_000);
    } finally {
      await restarted.close({ keepQueues: true });
    }
    const [delivery] = await settled(destination.id);
    expect(delivery!.status).toBe('delivered');
    // And another: the row is delivered now, so nothing is queued for it again.
    const again = await startTheWorker();
    await again.close({ keepQueues: true });
    await waitFor(async () => {
      const counts = await deliveriesQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });
    expect(receiver.received.filter((r) => r.path === '/restored')).toHaveLength(1);
    expect(receiver.received.find((r) => r.path === '/restored')!.verified).toBe(true);
  });

  test('when 2 of the 5 messages of a post fail transiently, then its one job is retried with only those 2, and each message keeps its own log', async () => {
    const networks = ['x', 'mastodon', 'bluesky', 'linkedin', 'threads'];
    const flaky = new Set(['x', 'linkedin']);
    const destination = await addDestination(
      '/batch',
      (attempt, request) => {
        const { network } = (JSON.parse(request.body) as { data: { network: string } }).data;
        if (attempt === 1 && network === 'x') return { status: 503 };
        if (attempt === 1 && network === 'linkedin') return { status: 500 };
        return { status: 204 };
      },
      networks,
    );
    const post = await publish();

    const log = await settled(destination.id);

    expect(log).toHaveLength(5);
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
    const idOf = (network: string) => shareMessageId(destination.id, post.id, network as (typeof NETWORKS)[number]);
    const requests = receiver.received.filter((r) => r.path === '/batch');
    expect(requests.every((r) => r.verified)).toBe(true);
    // 5 requests, then the retry: only the 2 that failed, each under its own id.
    expect(requests).toHaveLength(7);
    const requestsOf = (network: string) => requests.filter((r) => r.msgId === idOf(network));
    for (const network of networks) {
      expect(requestsOf(network)).toHaveLength(flaky.has(network) ? 2 : 1);
      const delivery = log.find((d) => d.network === network)!;
      expect(delivery.id).toBe(idOf(network));
      expect(delivery.attempts.map((a) => a.status_code)).toEqual(
        network === 'x' ? [503, 204] : network === 'linkedin' ? [500, 204] : [204],
      );
    }
    const firstWave = Math.max(...networks.map((n) => requestsOf(n)[0]!.receivedAt));
    const retries = requests.filter((r) => r.receivedAt > firstWave);
    expect(retries.map((r) => r.msgId).sort()).toEqual([idOf('x'), idOf('linkedin')].sort());

    // One job carried the five; the retry kept only the two.
    const job = await deliveriesQueue.getJob(webhookDeliveryBatchJobId(destination.id, post.id));
    expect(job!.name).toBe(WEBHOOK_DELIVERY_BATCH_JOB);
    expect([...(job!.data as { messageIds: string[] }).messageIds].sort()).toEqual(
      [idOf('x'), idOf('linkedin')].sort(),
    );
    expect(job!.returnvalue).toEqual({ [idOf('x')]: 'delivered', [idOf('linkedin')]: 'delivered' });
    expect(await job!.getState()).toBe('completed');

    // A job for the five again (a retry after a crash knows no better): the rows say they are
    // delivered, so nothing is sent.
    const again = await deliveriesQueue.add(
      WEBHOOK_DELIVERY_BATCH_JOB,
      { messageIds: networks.map(idOf) },
      webhookDeliveryJobOptions(`shb_again_${post.id}`),
    );
    await waitFor(async () => (await again.getState()) === 'completed');
    expect(receiver.received.filter((r) => r.path === '/batch')).toHaveLength(7);
  });

  test('when a one-message job queued before batches is in Redis, then it is delivered once, and a worker start leaves it to that job', async () => {
    const post = await publish();
    await allEventsHandled(database.db, ingest);
    const destination = await addDestination('/old-shape', undefined, ['x']);
    const messageId = await insertPendingDelivery(destination.id, post);
    // The job as the previous version queued it (id and data: the message id), waiting for its
    // turn as a retry would be: a deployed Redis holds such jobs when the new worker starts.
    await deliveriesQueue.add(
      WEBHOOK_DELIVERY_JOB,
      { messageId },
      { ...webhookDeliveryJobOptions(messageId), delay: 1_500 },
    );

    // A worker of the new version starts and restores jobs for pending rows: not this one.
    const restarted = await startTheWorker();
    await restarted.close({ keepQueues: true });
    expect(await deliveriesQueue.getJob(webhookDeliveryBatchJobId(destination.id, post.id))).toBeUndefined();

    await waitFor(() => receiver.deliveredTo('/old-shape').length === 1, 20_000);
    const [delivery] = await settled(destination.id);
    expect(delivery).toMatchObject({ id: messageId, status: 'delivered' });
    expect(delivery!.attempts).toHaveLength(1);
    expect(delivery!.attempts[0]!.status_code).toBe(204);
    await queueIsIdle();
    expect((await deliveriesQueue.getJob(messageId))!.returnvalue).toBe('delivered');
    const requests = receiver.received.filter((r) => r.path === '/old-shape');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ msgId: messageId, verified: true });
  });

  test('when a job carries messages of which some were already delivered, then one claim takes only the pending ones and only they are sent', async () => {
    const post = await publish();
    await allEventsHandled(database.db, ingest);
    const networks = ['x', 'mastodon', 'bluesky', 'linkedin'] as const;
    const destination = await addDestination('/partly', undefined, [...networks]);
    const ids = await Promise.all(networks.map((network) => insertPendingDelivery(destination.id, post, network)));
    // Two of them went out before (an earlier run of the same job): their rows say so.
    const [sentBefore, sentToo] = ids;
    await database.db.kysely
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered', delivered_at: new Date().toISOString() })
      .where('id', 'in', [sentBefore!, sentToo!])
      .execute();

    const job = await deliveriesQueue.add(
      WEBHOOK_DELIVERY_BATCH_JOB,
      { messageIds: ids },
      webhookDeliveryJobOptions(webhookDeliveryBatchJobId(destination.id, post.id)),
    );
    await waitFor(async () => (await job.getState()) === 'completed', 20_000);

    const requests = receiver.received.filter((r) => r.path === '/partly');
    expect(requests.map((r) => r.msgId).sort()).toEqual(ids.slice(2).sort());
    expect(requests.every((r) => r.verified)).toBe(true);
    const log = await settled(destination.id);
    for (const delivery of log) {
      // The delivered ones were not claimed: no attempt counted, none logged.
      expect(delivery.attempts).toHaveLength(ids.slice(2).includes(delivery.id) ? 1 : 0);
      expect(delivery.status).toBe('delivered');
    }
    expect((await deliveriesQueue.getJob(job.id!))!.returnvalue).toEqual({
      [ids[0]!]: 'not pending',
      [ids[1]!]: 'not pending',
      [ids[2]!]: 'delivered',
      [ids[3]!]: 'delivered',
    });
  });

  test('when a worker died between claiming messages and sending them, then the retried job sends each once, and the log keeps the claim as an attempt with no outcome', async () => {
    const post = await publish();
    await allEventsHandled(database.db, ingest);
    const networks = ['x', 'threads'] as const;
    const destination = await addDestination('/claimed', undefined, [...networks]);
    const ids = await Promise.all(networks.map((network) => insertPendingDelivery(destination.id, post, network)));
    // What a claim commits before any request leaves: the attempt counted and logged, no outcome.
    const claimedAt = new Date(Date.now() - 60_000).toISOString();
    await database.db.kysely.updateTable('webhook_deliveries').set({ attempts: 1 }).where('id', 'in', ids).execute();
    await database.db.kysely
      .insertInto('webhook_attempts')
      .values(
        ids.map((id, i) => ({
          id: `00000000-0000-7000-8000-00000000000${i}`,
          delivery_id: id,
          attempted_at: claimedAt,
          status_code: null,
          duration_ms: 0,
          error: null,
          outcome: null,
        })),
      )
      .execute();

    // The job comes back (its lock expired), as a retry.
    const job = await deliveriesQueue.add(
      WEBHOOK_DELIVERY_BATCH_JOB,
      { messageIds: ids },
      webhookDeliveryJobOptions(webhookDeliveryBatchJobId(destination.id, post.id)),
    );
    await waitFor(async () => (await job.getState()) === 'completed', 20_000);

    const requests = receiver.received.filter((r) => r.path === '/claimed');
    expect(requests.map((r) => r.msgId).sort()).toEqual([...ids].sort());
    const log = await settled(destination.id);
    expect(log).toHaveLength(2);
    for (const delivery of log) {
      expect(delivery.status).toBe('delivered');
      expect(delivery.attempts.map((a) => a.status_code)).toEqual([null, 204]);
      expect(delivery.attempts[0]!.outcome).toBe('unknown');
    }
    const rows = await database.db.kysely
      .selectFrom('webhook_deliveries')
      .select(['id', 'attempts'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.map((r) => r.attempts)).toEqual([2, 2]);
  });
});
