import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness, TEST_WEBHOOK_SECRETS_KEY } from '../helpers/ingest';
import { ROOT, baseEnv, exited } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';

const DESTINATIONS = 20;
const POSTS = 5;
const MESSAGES = DESTINATIONS * POSTS;
/** The worker's WEBHOOK_CONCURRENCY here (set below): requests in flight at most. */
const IN_FLIGHT = 20;
/** Every receiver answers this late, so a stop lands with requests in flight. */
const RECEIVER_DELAY_MS = 400;

interface Attempt {
  attempted_at: string;
  outcome: 'delivered' | 'failed' | 'unknown';
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
}
interface Delivery {
  id: string;
  status: string;
  attempts: Attempt[];
}

/**
 * A worker process (`node services/worker/dist/main.js`) fanning share messages out to 20 slow
 * receivers, stopped mid-run (SIGKILL, or SIGTERM) and started again: what the receivers got,
 * against what the attempt log says.
 */
describe.each(DIALECTS)('a worker process stopped mid webhook fan-out (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let receiver: WebhookReceiver;
  let admin: string;
  let author: string;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    admin = await ingest.bearer('admin');
    author = await ingest.bearer();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-webhook-crash-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await ingest.close();
    await database.drop();
    await receiver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function startWorkerProcess(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [path.join(ROOT, 'services', 'worker', 'dist', 'main.js')], {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        DATABASE_URL: database.url,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        REDIS_PREFIX: ingest.redisPrefix,
        PUBLIC_BASE_URL,
        ALLOW_PRIVATE_NETWORKS: 'true',
        DATA_DIR: dataDir,
        // The key the ingest harness sealed the destinations' secrets with.
        WEBHOOK_SECRETS_KEY: TEST_WEBHOOK_SECRETS_KEY.toString('base64'),
        WEBHOOK_CONCURRENCY: String(IN_FLIGHT),
        WORKER_PORT: String(await freePort()),
      },
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  }

  /** 20 destinations (mastodon only, slow receivers) and 5 fresh posts: 100 messages once a worker runs. */
  async function arrange(tag: string): Promise<string[]> {
    const destinations: string[] = [];
    for (let i = 0; i < DESTINATIONS; i += 1) {
      const route = `/${tag}/${i}`;
      const response = await ingest.request
        .post('/v1/webhooks')
        .set('Authorization', admin)
        .send({ url: `${receiver.origin}${route}`, networks: ['mastodon'] });
      expect(response.status).toBe(201);
      const created = response.body as { id: string; secret: string };
      receiver.route(route, created.secret, () => ({ status: 204, delayMs: RECEIVER_DELAY_MS }));
      destinations.push(created.id);
    }
    for (let i = 0; i < POSTS; i += 1) {
      const response = await ingest.request
        .post('/v1/posts')
        .set('Authorization', author)
        .send(buildPost({ published_at: undefined }));
      expect(response.status).toBe(201);
    }
    return destinations;
  }

  async function logOf(destinations: string[]): Promise<Delivery[]> {
    const all: Delivery[] = [];
    for (const id of destinations) {
      const response = await ingest.request.get(`/v1/webhooks/${id}/deliveries?limit=100`).set('Authorization', admin);
      expect(response.status).toBe(200);
      all.push(...(response.body as { items: Delivery[] }).items);
    }
    return all;
  }

  /** Starts a worker, stops it with `signal` once some messages went out, starts another, waits for all. */
  async function stopMidRunAndRestart(tag: string, signal: NodeJS.Signals) {
    const destinations = await arrange(tag);
    const mine = () => receiver.received.filter((r) => r.path.startsWith(`/${tag}/`));

    const first = await startWorkerProcess();
    await waitFor(() => mine().length >= 30, 30_000, 'the first worker sent too little');
    first.kill(signal);
    const stopped = await exited(first);
    const receivedAtStop = mine().length;
    // The stop came mid-run: messages were left for the second worker.
    expect(receivedAtStop).toBeLessThan(MESSAGES);

    const second = await startWorkerProcess();
    // A killed worker's jobs come back once their lock expires (about 20 s, see webhook-delivery.worker.ts).
    await waitFor(
      async () => {
        const rows = await database.db.kysely
          .selectFrom('webhook_deliveries')
          .select('status')
          .where('destination_id', 'in', destinations)
          .execute();
        return rows.length === MESSAGES && rows.every((r) => r.status === 'delivered');
      },
      90_000,
      'not every message was delivered',
    );
    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });

    const received = new Map<string, number>();
    for (const request of mine()) {
      expect(request.verified).toBe(true);
      received.set(request.msgId, (received.get(request.msgId) ?? 0) + 1);
    }
    const log = await logOf(destinations);
    return { stopped, receivedAtStop, received, log };
  }

  test('when the worker is SIGKILLed mid fan-out and restarted, then every message arrives, only requests in flight at the kill arrive twice (same webhook-id), and every request is in the attempt log', async () => {
    const { stopped, receivedAtStop, received, log } = await stopMidRunAndRestart('kill', 'SIGKILL');
    expect(stopped.signal).toBe('SIGKILL');

    // Every message arrived, under its own webhook-id (the delivery id).
    expect(log).toHaveLength(MESSAGES);
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
    expect([...received.keys()].sort()).toEqual(log.map((d) => d.id).sort());

    // Duplicates: at most the requests in flight when the kill came, each sent at most twice.
    const twice = [...received.values()].filter((n) => n > 1);
    expect(twice.every((n) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(IN_FLIGHT);

    // The attempt log knows every request: each one the receiver got is an attempt, and each
    // attempt with an outcome reached the receiver. Only an attempt of the kill has no outcome
    // ("unknown": its request may or may not have left before the kill).
    let unknown = 0;
    for (const delivery of log) {
      const got = received.get(delivery.id) ?? 0;
      const finished = delivery.attempts.filter((a) => a.outcome !== 'unknown');
      const open = delivery.attempts.length - finished.length;
      unknown += open;
      expect(delivery.attempts.length).toBeGreaterThanOrEqual(got);
      expect(finished.length).toBeLessThanOrEqual(got);
      expect(open).toBeLessThanOrEqual(1);
      // The retry after the kill is a new attempt that settled it.
      expect(delivery.attempts.at(-1)).toMatchObject({ outcome: 'delivered', status_code: 204 });
      for (const a of delivery.attempts.filter((x) => x.outcome === 'unknown')) {
        expect(a).toMatchObject({ status_code: null, duration_ms: null, error: null });
      }
    }
    expect(unknown).toBeLessThanOrEqual(IN_FLIGHT);
    // Every duplicate is explained by an unknown attempt.
    expect(twice.length).toBeLessThanOrEqual(unknown);
    console.log(
      `[${dialect}] SIGKILL mid fan-out: ${receivedAtStop}/${MESSAGES} requests before the kill, ` +
        `${twice.length} messages received twice, ${unknown} attempts with outcome unknown`,
    );
  }, 150_000);

  test('when the worker gets SIGTERM mid fan-out and is restarted, then every message arrives exactly once and every attempt has an outcome', async () => {
    const { stopped, received, log } = await stopMidRunAndRestart('term', 'SIGTERM');
    // A graceful stop: the requests in flight were answered and recorded before the exit.
    expect(stopped).toEqual({ code: 0, signal: null });

    expect(log).toHaveLength(MESSAGES);
    expect([...received.keys()].sort()).toEqual(log.map((d) => d.id).sort());
    expect([...received.values()].filter((n) => n !== 1)).toEqual([]);
    for (const delivery of log) {
      expect(delivery.status).toBe('delivered');
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).toMatchObject({ outcome: 'delivered', status_code: 204, error: null });
      expect(delivery.attempts[0]!.duration_ms).toBeGreaterThanOrEqual(RECEIVER_DELAY_MS - 50);
    }
  }, 150_000);
});
