import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDigestTick } from '@careerfeed/digests';
import { createApiKey } from '@careerfeed/http';
import { createRedisConnection, openDigestsQueue, openWebhookDeliveriesQueue } from '@careerfeed/jobs';
import { createWebhook } from '@careerfeed/sharing';
import { Client } from 'pg';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { TEST_WEBHOOK_SECRETS_KEY } from '../helpers/ingest';
import { ROOT, baseEnv, exited } from '../helpers/processes';
import { type RedisServer, freePort, startRedisServer, waitForPort } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { type ReceivedMail, type SmtpSink, insertSubscriber, publishPost, startSmtpSink } from '../digests/support';

/**
 * A whole deployment as real processes for the fault suite (docs/development.md): two ingest, two
 * workers and one feed service (`node services/<name>/dist/main.js`) on a private PostgreSQL
 * database and a private redis-server, with an SMTP sink and a webhook receiver. Each process is
 * supervised: when it exits, it is started again after half a second, as systemd or compose would,
 * and the restart is counted.
 */

export const PUBLIC_BASE_URL = 'https://careers.test.example';
const HOOK_PATH = '/hooks';
const RESTART_DELAY_MS = 500;

export type ServiceName = 'ingest' | 'worker' | 'feed';

export class Supervised {
  child: ChildProcess | undefined;
  /** Every start after the first. */
  restarts = 0;
  /** Exits nobody asked for (no signal sent by the test): crashes, a finding. */
  crashes: string[] = [];
  output = '';
  /** Names of the deployment's secrets this process wrote to its stdout or stderr (must stay empty). */
  readonly leaks = new Set<string>();
  private expectingExit = false;
  private supervising = true;

  constructor(
    readonly name: string,
    readonly service: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Secrets the deployment created, by name: every line this process writes is searched for them. */
    private readonly secrets: Map<string, string>,
  ) {}

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const portVariable = `${this.service.toUpperCase()}_PORT`;
    const child = spawn(process.execPath, [path.join(ROOT, 'services', this.service, 'dist', 'main.js')], {
      cwd: ROOT,
      env: { ...this.env, [portVariable]: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      // The end of what came before too, so a secret split across two chunks is still seen.
      const recent = this.output.slice(-200) + text;
      for (const [name, secret] of this.secrets) if (recent.includes(secret)) this.leaks.add(name);
      this.output = (this.output + text).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) {
        this.crashes.push(`exit code ${code} signal ${signal}`);
        // The last lines before a crash, for the report (the counts line keeps only the exit).
        process.stderr.write(`${this.name} crashed (${code ?? signal}):\n${this.output.slice(-1_500)}\n`);
      }
      this.expectingExit = false;
      if (!this.supervising) return;
      setTimeout(() => {
        if (!this.supervising) return;
        this.restarts += 1;
        void this.start();
      }, RESTART_DELAY_MS);
    });
    await waitForPort(this.port, 30_000);
  }

  /** Sends a signal (the supervisor restarts the process when it exits) and waits for the exit. */
  async signal(signal: 'SIGTERM' | 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child!;
    this.expectingExit = true;
    child.kill(signal);
    return exited(child);
  }

  /** Waits until the supervisor has it running and listening again. */
  async running(): Promise<void> {
    await waitFor(() => this.alive, 30_000, `${this.name} was not restarted`);
    await waitForPort(this.port, 30_000);
  }

  async stop(): Promise<void> {
    this.supervising = false;
    if (!this.alive) return;
    this.expectingExit = true;
    const child = this.child!;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(timer);
  }
}

export interface Counts {
  fault: string;
  posts_sent: number;
  posts_stored: number;
  events_handled: number;
  events_total: number;
  mails: number;
  duplicate_mails: number;
  webhooks: number;
  duplicate_webhooks: number;
  attempts_logged: number;
  processes_alive: number;
  processes_total: number;
  restarts: Record<string, number>;
  crashes: Record<string, string[]>;
  /** Secrets found in any process's logs over the whole run (API key, webhook secret, secrets key). */
  secrets_in_logs: string[];
  client_retries: number;
  client_statuses: Record<string, number>;
}

export interface DeploymentOptions {
  /** The private redis-server keeps an append-only file (restarts come back with the data). */
  redisAppendOnly?: boolean;
  /** Hold each mail this long before the sink's 250 (so a kill lands mid-batch). */
  smtpDelayMs?: number;
  /** Further environment for every service. */
  env?: Record<string, string>;
}

export class Deployment {
  readonly processes: Supervised[] = [];
  readonly postsSent = new Set<string>();
  readonly clientStatuses: Record<string, number> = {};
  clientRetries = 0;
  smtp!: SmtpSink;
  private mailsReceived: ReceivedMail[] = [];
  private smtpPort = 0;
  private dataDir = '';
  private apiKey = '';

  private constructor(
    readonly fault: string,
    readonly database: TestDatabase,
    readonly redis: RedisServer,
    readonly receiver: WebhookReceiver,
    private readonly options: DeploymentOptions,
  ) {}

  static async start(fault: string, options: DeploymentOptions = {}): Promise<Deployment> {
    const database = await createTestDatabase('postgres');
    const redis = await startRedisServer({ appendOnly: options.redisAppendOnly });
    const receiver = await startWebhookReceiver();
    const deployment = new Deployment(fault, database, redis, receiver, options);
    await deployment.init();
    return deployment;
  }

  private async init(): Promise<void> {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-faults-'));
    await this.startSmtp();
    this.smtpPort = this.smtp.port;
    this.apiKey = (await createApiKey(this.database.db, 'fault suite', ['posts:write'])).key;

    const producer = createRedisConnection(this.redis.url, 'producer', testRedisErrors(), { enableOfflineQueue: true });
    const deliveriesQueue = openWebhookDeliveriesQueue(producer, 'careerfeed');
    const hook = await createWebhook(
      { db: this.database.db, deliveriesQueue, allowPrivateNetworks: true, secretsKey: TEST_WEBHOOK_SECRETS_KEY },
      { url: `${this.receiver.origin}${HOOK_PATH}`, networks: ['mastodon'] },
    );
    this.receiver.route(HOOK_PATH, hook.secret);
    await deliveriesQueue.close();
    producer.disconnect();
    const secrets = new Map([
      ['api_key', this.apiKey],
      ['webhook_secret', hook.secret],
      ['webhook_secrets_key', TEST_WEBHOOK_SECRETS_KEY.toString('base64')],
    ]);

    const env = {
      ...baseEnv(),
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      SMTP_URL: this.smtp.url,
      MAIL_FROM: 'Career Center <no-reply@careers.test.example>',
      MAIL_RATE_PER_SECOND: '0',
      PUBLIC_BASE_URL,
      ALLOW_PRIVATE_NETWORKS: 'true',
      DATA_DIR: this.dataDir,
      // Every process of the deployment seals and opens webhook secrets with the same key.
      WEBHOOK_SECRETS_KEY: TEST_WEBHOOK_SECRETS_KEY.toString('base64'),
      HOST: '127.0.0.1',
      // Posts are announced at once, not two minutes later, so instant digests never join the counts.
      INSTANT_DIGEST_DELAY_SECONDS: '0',
      // Access logs too (info), so that the search for secrets in them means something.
      LOG_LEVEL: 'info',
      ...this.options.env,
    };
    const plan: [string, ServiceName][] = [
      ['ingest-1', 'ingest'],
      ['ingest-2', 'ingest'],
      ['worker-1', 'worker'],
      ['worker-2', 'worker'],
      ['feed', 'feed'],
    ];
    for (const [name, service] of plan) {
      this.processes.push(new Supervised(name, service, await freePort(), env, secrets));
    }
    await Promise.all(this.processes.map((p) => p.start()));
  }

  async startSmtp(): Promise<void> {
    this.smtp = await startSmtpSink({
      dataDelayMs: this.options.smtpDelayMs,
      port: this.smtpPort || undefined,
      received: this.mailsReceived,
    });
  }

  process(name: string): Supervised {
    const found = this.processes.find((p) => p.name === name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  get ingests(): Supervised[] {
    return this.processes.filter((p) => p.service === 'ingest');
  }

  get workers(): Supervised[] {
    return this.processes.filter((p) => p.service === 'worker');
  }

  /**
   * Sends one post through an ingest as a real client would: a fresh post has an external_id, so a
   * retry after a lost answer updates the same post instead of creating a second. Retries 503
   * (waiting Retry-After), connection errors (a restarting process) and timeouts, within a deadline;
   * anything else is recorded as it is (a 500 is a failure the test asserts on).
   */
  async sendPost(ingest: Supervised, deadlineMs = 90_000): Promise<void> {
    const body = JSON.stringify(
      buildPost({ external_id: `fault-${randomBytes(6).toString('hex')}`, published_at: new Date().toISOString() }),
    );
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) this.clientRetries += 1;
      let status: number | string;
      let retryAfterMs = 500;
      try {
        const res = await fetch(`http://127.0.0.1:${ingest.port}/v1/posts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        const text = await res.text();
        if (res.status === 201 || res.status === 200) {
          this.count(String(res.status));
          this.postsSent.add((JSON.parse(text) as { id: string }).id);
          return;
        }
        const retryAfter = Number(res.headers.get('retry-after'));
        if (res.status === 503 && Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
        if (res.status !== 503) {
          this.count(String(res.status));
          return;
        }
        this.count(res.headers.get('retry-after') ? '503 with Retry-After' : '503 without Retry-After');
      } catch (error) {
        status = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        this.count(`error ${status}`);
      }
      if (Date.now() > deadline) {
        this.count('gave up');
        return;
      }
      await sleep(Math.min(retryAfterMs, 5_000));
    }
  }

  private count(key: string): void {
    this.clientStatuses[key] = (this.clientStatuses[key] ?? 0) + 1;
  }

  /**
   * `count` posts, alternating between both ingests, `concurrency` at a time, each client pausing
   * `pauseMs` between its posts: a bounded load, loopback only.
   */
  async postLoad(count: number, { concurrency = 4, pauseMs = 50 } = {}): Promise<void> {
    let next = 0;
    const ingests = this.ingests;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const n = next++;
          await this.sendPost(ingests[n % ingests.length]!);
          await sleep(pauseMs);
        }
      }),
    );
  }

  /** Subscribers whose daily digest is due, one published post for it, and one digest tick (as the scheduler's). */
  async dueDigests(subscribers: number): Promise<string[]> {
    const due = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    await publishPost(
      { db: this.database.db, publicBaseUrl: PUBLIC_BASE_URL },
      new Date(due.getTime() - 3600_000).toISOString(),
    );
    const emails = Array.from({ length: subscribers }, (_, i) => `student-${i}@example.edu`);
    for (let i = 0; i < emails.length; i += 50) {
      await Promise.all(
        emails.slice(i, i + 50).map((email) =>
          insertSubscriber(this.database.db, {
            email,
            digest_cursor: new Date(due.getTime() - 86_400_000).toISOString(),
            next_digest_at: due.toISOString(),
          }),
        ),
      );
    }
    const connection = createRedisConnection(this.redis.url, 'worker', testRedisErrors());
    const queue = openDigestsQueue(connection, 'careerfeed');
    try {
      const { enqueued } = await runDigestTick({ db: this.database.db, queue, now: () => new Date() });
      if (enqueued !== subscribers) throw new Error(`the digest tick enqueued ${enqueued} of ${subscribers}`);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    return emails;
  }

  /** Ends every backend connection to the deployment's database, as a failover or an operator would. */
  async terminateDatabaseConnections(): Promise<number> {
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const name = new URL(this.database.url).pathname.slice(1);
      const result = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      return result.rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  async readyz(p: Supervised): Promise<{ status: number; body: string }> {
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
      return { status: res.status, body: await res.text() };
    } catch (error) {
      return { status: 0, body: String(error) };
    }
  }

  /** Waits until every posted event is handled (outbox `handled_at` set on every row). */
  async eventsHandled(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const { total, handled } = await this.outbox();
        return total > 0 && handled === total;
      },
      timeoutMs,
      `outbox events left unhandled\n${this.logs()}`,
    );
  }

  /** Waits until every sent post's webhook was delivered (one message per post: the hook is for one network). */
  async webhooksDelivered(timeoutMs: number): Promise<void> {
    await waitFor(
      () => this.deliveredPosts().size >= this.postsSent.size,
      timeoutMs,
      `webhooks missing: ${this.deliveredPosts().size} of ${this.postsSent.size}\n${this.logs()}`,
    );
  }

  deliveredPosts(): Set<string> {
    return new Set(
      this.receiver
        .deliveredTo(HOOK_PATH)
        .map((hook) => (JSON.parse(hook.body) as { data: { post_id: string } }).data.post_id),
    );
  }

  async outbox(): Promise<{ total: number; handled: number }> {
    const rows = await this.database.db.kysely.selectFrom('outbox_events').select(['handled_at']).execute();
    return { total: rows.length, handled: rows.filter((row) => row.handled_at !== null).length };
  }

  /** Per recipient, the distinct Message-IDs of the mails the sink accepted. */
  async messageIdsByRecipient(): Promise<Map<string, Set<string>>> {
    const byRecipient = new Map<string, Set<string>>();
    for (const mail of await this.smtp.parsed()) {
      const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;
      byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(mail.messageId!));
    }
    return byRecipient;
  }

  async counts(): Promise<Counts> {
    const kysely = this.database.db.kysely;
    const stored = await kysely.selectFrom('posts').select('id').execute();
    const storedIds = new Set(stored.map((row) => row.id));
    const { total, handled } = await this.outbox();
    const mails = this.mailsReceived.length;
    const recipients = (await this.messageIdsByRecipient()).size;
    const delivered = this.receiver.deliveredTo(HOOK_PATH);
    const attempts = await kysely
      .selectFrom('webhook_attempts')
      .select(kysely.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return {
      fault: this.fault,
      posts_sent: this.postsSent.size,
      posts_stored: [...this.postsSent].filter((id) => storedIds.has(id)).length,
      events_handled: handled,
      events_total: total,
      mails,
      duplicate_mails: mails - recipients,
      webhooks: delivered.length,
      duplicate_webhooks: delivered.length - new Set(delivered.map((hook) => hook.msgId)).size,
      attempts_logged: Number(attempts.n),
      processes_alive: this.processes.filter((p) => p.alive).length,
      processes_total: this.processes.length,
      restarts: Object.fromEntries(this.processes.map((p) => [p.name, p.restarts])),
      crashes: Object.fromEntries(this.processes.filter((p) => p.crashes.length > 0).map((p) => [p.name, p.crashes])),
      secrets_in_logs: [...new Set(this.processes.flatMap((p) => [...p.leaks]))].sort(),
      client_retries: this.clientRetries,
      client_statuses: this.clientStatuses,
    };
  }

  /** Prints the counts as one JSON line (docs/operations.md) and returns them. */
  /** Waits until `count` digest deliveries are recorded as sent. */
  async digestsSent(count: number, timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () =>
        (
          await this.database.db.kysely
            .selectFrom('digest_deliveries')
            .select('id')
            .where('status', '=', 'sent')
            .execute()
        ).length === count,
      timeoutMs,
      `not every digest was recorded as sent\n${this.logs()}`,
    );
  }

  async report(): Promise<Counts> {
    const counts = await this.counts();
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    return counts;
  }

  /**
   * Every webhook request the receiver saw is in webhook_attempts, except at most `unlogged` (requests
   * in flight when a worker was killed: sent, not yet recorded).
   */
  async attemptsLogged(): Promise<{ logged: number; received: number }> {
    const kysely = this.database.db.kysely;
    const row = await kysely
      .selectFrom('webhook_attempts')
      .select(kysely.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return { logged: Number(row.n), received: this.receiver.received.length };
  }

  logs(): string {
    return this.processes.map((p) => `--- ${p.name}\n${p.output.slice(-3_000)}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await Promise.all([this.smtp?.close(), this.receiver.close(), this.redis.stop()]);
    await this.database.drop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface OutcomeBounds {
  /** Mails or webhook requests that may be sent twice (the same Message-ID / webhook-id): the in-flight bound. */
  duplicates?: number;
  /** Digest recipients expected (each exactly one Message-ID), when the scenario ran a digest. */
  recipients?: string[];
}

/** The assertions every scenario ends with: nothing lost, duplicates bounded and the same message, nobody crashed. */
export async function expectOutcome(deployment: Deployment, counts: Counts, bounds: OutcomeBounds = {}): Promise<void> {
  const duplicates = bounds.duplicates ?? 0;
  const unexpected = Object.keys(counts.client_statuses).filter(
    (key) => !['200', '201', '503 with Retry-After'].includes(key) && !key.startsWith('error '),
  );
  expect(unexpected).toEqual([]);
  expect(counts.posts_stored).toBe(counts.posts_sent);
  expect(counts.events_handled).toBe(counts.events_total);
  // Every post's webhook arrived; a second copy only as the same message.
  expect([...deployment.postsSent].filter((id) => !deployment.deliveredPosts().has(id))).toEqual([]);
  expect(counts.duplicate_webhooks).toBeLessThanOrEqual(duplicates);
  expect(counts.webhooks - counts.duplicate_webhooks).toBe(deployment.deliveredPosts().size);
  if (bounds.recipients) {
    const ids = await deployment.messageIdsByRecipient();
    expect([...ids.keys()].sort()).toEqual([...bounds.recipients].sort());
    expect([...ids.values()].filter((set) => set.size !== 1)).toEqual([]);
    expect(counts.duplicate_mails).toBeLessThanOrEqual(duplicates);
  } else {
    expect(counts.mails).toBe(0);
  }
  // Every webhook request the receiver saw was logged, but for those in flight at a kill.
  expect(counts.attempts_logged).toBeGreaterThanOrEqual(deployment.receiver.received.length - duplicates);
  expect(counts.processes_alive).toBe(counts.processes_total);
  // A process that exited on its own is a crash the supervisor covered for: a finding.
  expect(counts.crashes).toEqual({});
  // Logs never hold a secret, over a whole run of five processes at info level.
  expect(counts.secrets_in_logs).toEqual([]);
}
