/**
 * `npm run bench:digest`: how fast digests leave, through the whole system (CLI `digest run`, real
 * Redis and BullMQ, the worker process with its database reads, rendering and nodemailer's pooled
 * SMTP transport) into a local SMTP sink in another process; and, in the same run, the ceiling:
 * nodemailer's pooled transport sending already-rendered digests to the same sink, plus building
 * the MIME messages alone. Results are JSON lines on stdout; progress goes to stderr.
 * See bench/README.md.
 */
import { type MailMessage, createDigestContent, createSmtpMailer, unsubscribeHeaders } from '@careerfeed/digests';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { manageLinks, selectDigestPosts } from '@careerfeed/core';
import { type Dialect, type NewSubscriberRow, createDb, readSubscriptionTokenKey, sql, uuidv7 } from '@careerfeed/db';
import { type Cleanup } from './support/cleanup';
import { SetupError } from './support/errors';
import { runBench } from './support/run-bench';
import { seedFeedStore } from './support/feed-seed';
import { round } from './support/load';
import { loadFixture } from './support/posts';
import {
  type ManagedProcess,
  freePort,
  sleep,
  spawnManaged,
  startRedisServer,
  waitForHealthy,
  waitForPort,
} from './support/processes';
import { type Store, assertPostgresReachable, createStore } from './support/stores';
import { intSettingsReader } from './support/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKER_MAIN = path.join(ROOT, 'services', 'worker', 'dist', 'main.js');
const CLI_MAIN = path.join(ROOT, 'services', 'cli', 'dist', 'main.js');
const SINK = path.join(__dirname, 'support', 'smtp-sink.js');
const PUBLIC_BASE_URL = 'https://careers.example.edu';
const MAIL_FROM = 'Career Center <careers@example.edu>';
const TIME_ZONES = [
  'UTC',
  'America/New_York',
  'America/Los_Angeles',
  'Pacific/Honolulu',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Pacific/Tongatapu',
];

interface Settings {
  subscribers: number;
  posts: number;
  workers: number[];
  db: Dialect;
  ceilingMails: number;
  pgAdminUrl: string;
  fixture: string;
  timeoutMin: number;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const subscribers = int('BENCH_SUBSCRIBERS', 10_000, 10, 1_000_000);
  const workers = (env.BENCH_WORKERS || '1,2').split(',').map((s) => Number(s.trim()));
  if (!workers.every((n) => Number.isInteger(n) && n >= 1 && n <= 8))
    problems.push(
      `BENCH_WORKERS: comma-separated worker counts from 1 to 8 (got ${JSON.stringify(env.BENCH_WORKERS)})`,
    );
  const db = env.BENCH_DB || 'sqlite';
  if (db !== 'sqlite' && db !== 'postgres') problems.push(`BENCH_DB: sqlite or postgres (got ${JSON.stringify(db)})`);
  const settings: Settings = {
    subscribers,
    posts: int('BENCH_POSTS', 20, 1, 1000),
    workers,
    db: db as Dialect,
    ceilingMails: int('BENCH_CEILING_MAILS', Math.min(subscribers, 3000), 10, 1_000_000),
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    fixture: path.resolve(env.BENCH_FIXTURE || path.join(ROOT, 'fixtures', 'sample-blog.json')),
    timeoutMin: int('BENCH_TIMEOUT_MIN', 30, 1, 24 * 60),
  };
  if (problems.length > 0) throw new SetupError(`Invalid bench settings:\n  - ${problems.join('\n  - ')}`);
  return settings;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'digest', ...line })}\n`);
}

function note(message: string): void {
  process.stderr.write(`[bench:digest] ${message}\n`);
}

// ---- the SMTP sink (another process) ----

interface SinkStats {
  messages: number;
  bytes: number;
  firstAt: number;
  lastAt: number;
}

interface Sink {
  smtpUrl: string;
  stats(): Promise<SinkStats>;
  reset(): Promise<void>;
}

async function startSink(cleanup: Cleanup): Promise<Sink> {
  const [smtpPort, statsPort] = [await freePort(), await freePort()];
  const child = spawnManaged(cleanup, 'smtp-sink', process.execPath, [SINK, String(smtpPort), String(statsPort)]);
  await waitForPort(smtpPort, child);
  await waitForPort(statsPort, child);
  const call = async (method: string, route: string): Promise<SinkStats> => {
    const response = await fetch(`http://127.0.0.1:${statsPort}${route}`, { method });
    return (await response.json()) as SinkStats;
  };
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    stats: () => call('GET', '/stats'),
    reset: async () => void (await call('POST', '/reset')),
  };
}

// ---- the store ----

/**
 * `count` confirmed subscribers, all covered up to 30 days ago, with mixed frequencies, time
 * zones, hours and topics. A quarter follow everything; the rest follow one to three of the
 * tags and categories of the new posts, so every subscriber has at least one post to receive
 * (the bench measures mail, not skipping).
 */
async function seedSubscribers(store: Store, count: number): Promise<number> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const tagRows = await db.kysely.selectFrom('post_tags').select('tag_slug').distinct().execute();
    const categoryRows = await db.kysely
      .selectFrom('posts')
      .select('category')
      .distinct()
      .where('category', 'is not', null)
      .execute();
    const topics = [
      ...tagRows.map((r) => `tag:${r.tag_slug}`),
      ...categoryRows.map((r) => `category:${r.category as string}`),
    ];
    const since = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
    const now = new Date().toISOString();
    let seeded = 0;
    // A deterministic spread, so two runs seed the same subscribers.
    let state = 42;
    const random = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    for (let from = 0; from < count; from += 2000) {
      const rows: NewSubscriberRow[] = [];
      for (let i = from; i < Math.min(count, from + 2000); i++) {
        const chosen =
          i % 4 === 0 ? [] : [...new Set(Array.from({ length: 1 + random(3) }, () => topics[random(topics.length)]!))];
        rows.push({
          id: uuidv7(),
          email: `student${i}@example.edu`,
          email_key: `student${i}@example.edu`,
          status: 'active',
          frequency: i % 2 === 0 ? 'daily' : 'weekly',
          topics: JSON.stringify(chosen),
          time_zone: TIME_ZONES[i % TIME_ZONES.length]!,
          delivery_hour: 6 + (i % 5),
          delivery_weekday: 1 + (i % 7),
          paused: 0,
          confirmation_nonce: null,
          confirmation_sent_at: since,
          confirmed_at: since,
          unsubscribed_at: null,
          suspended_at: null,
          hard_bounces: 0,
          digest_cursor: since,
          next_digest_at: null,
          created_at: since,
          updated_at: now,
        });
      }
      // 20 columns × 2,000 rows would pass SQLite's bound-value limit: insert in slices of 400.
      await db.kysely.transaction().execute(async (trx) => {
        for (let k = 0; k < rows.length; k += 400)
          await trx
            .insertInto('subscribers')
            .values(rows.slice(k, k + 400))
            .execute();
      });
      seeded += rows.length;
    }
    if (db.dialect === 'postgres') await sql`analyze`.execute(db.kysely);
    return seeded;
  } finally {
    await db.close();
  }
}

// ---- the ceiling: nodemailer's pool sending already-rendered digests ----

async function renderDigests(store: Store, count: number): Promise<MailMessage[]> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const content = createDigestContent({ db, publicBaseUrl: PUBLIC_BASE_URL });
    const renderer = await content.renderer();
    const key = await readSubscriptionTokenKey(db.kysely);
    const subscribers = await db.kysely.selectFrom('subscribers').selectAll().orderBy('id').limit(count).execute();
    const now = new Date();
    const messages: MailMessage[] = [];
    for (const s of subscribers) {
      const topics = JSON.parse(s.topics) as string[];
      const window = { start: s.digest_cursor!, end: now.toISOString() };
      const posts = selectDigestPosts(await content.postsIn(window, now), topics, window);
      const links = manageLinks(PUBLIC_BASE_URL, key, { id: s.id, linkVersion: s.link_version }, now);
      const mail = renderer.render({ email: s.email, frequency: s.frequency, topics, ...links }, posts);
      messages.push({
        from: MAIL_FROM,
        to: s.email,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: `<ceiling.${s.id}@example.edu>`,
        date: now,
        headers: unsubscribeHeaders(links.unsubscribeUrl),
      });
    }
    return messages;
  } finally {
    await db.close();
  }
}

async function measureCeiling(sink: Sink, messages: MailMessage[]): Promise<{ mailsPerS: number; meanBytes: number }> {
  await sink.reset();
  // The worker's own transport settings (5 pooled connections), without queue, database or rendering.
  const mailer = createSmtpMailer(sink.smtpUrl, { maxConnections: 5 });
  const started = performance.now();
  await Promise.all(messages.map((m) => mailer.send(m)));
  const elapsedS = (performance.now() - started) / 1000;
  await mailer.close();
  const stats = await sink.stats();
  if (stats.messages !== messages.length) throw new Error(`sink got ${stats.messages} of ${messages.length} mails`);
  return { mailsPerS: messages.length / elapsedS, meanBytes: stats.bytes / stats.messages };
}

/** Building the MIME message alone (nodemailer's stream transport into a buffer): one process's cap. */
async function measureMimeBuild(messages: MailMessage[]): Promise<number> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const started = performance.now();
  for (const m of messages) await transport.sendMail({ ...m });
  return messages.length / ((performance.now() - started) / 1000);
}

// ---- the system: CLI digest run → BullMQ → worker process(es) → SMTP ----

interface SystemResult {
  mails: number;
  mailsPerS: number;
  enqueueMs: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number[];
  failed: number;
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function runSystem(
  cleanup: Cleanup,
  ctx: {
    store: Store;
    sink: Sink;
    redisUrl: string;
    tmpDir: string;
    workers: number;
    expected: number;
    timeoutMs: number;
  },
): Promise<SystemResult> {
  await ctx.sink.reset();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: ctx.store.url,
    REDIS_URL: ctx.redisUrl,
    REDIS_PREFIX: `bench-digest-${ctx.workers}`,
    SMTP_URL: ctx.sink.smtpUrl,
    MAIL_FROM,
    MAIL_RATE_PER_SECOND: '0',
    PUBLIC_BASE_URL,
    DATA_DIR: ctx.tmpDir,
  };
  const workers: ManagedProcess[] = [];
  for (let i = 0; i < ctx.workers; i++) {
    const port = await freePort();
    const worker = spawnManaged(cleanup, `worker-${i}`, process.execPath, [WORKER_MAIN], {
      env: { ...env, WORKER_PORT: String(port) },
      cwd: ctx.tmpDir,
    });
    workers.push(worker);
    await waitForHealthy(port, worker, 60_000);
  }
  try {
    const started = Date.now();
    const cli = spawnManaged(cleanup, 'cli', process.execPath, [CLI_MAIN, 'digest', 'run', '--frequency', 'all'], {
      env,
      cwd: ctx.tmpDir,
    });
    await new Promise<void>((resolve) => cli.child.once('exit', () => resolve()));
    if (cli.child.exitCode !== 0) throw new Error(`digest run failed:\n${cli.output()}`);
    const enqueueMs = Date.now() - started;

    const deadline = started + ctx.timeoutMs;
    let stats = await ctx.sink.stats();
    while (stats.messages < ctx.expected) {
      if (Date.now() > deadline) throw new Error(`only ${stats.messages} of ${ctx.expected} mails arrived in time`);
      for (const w of workers) if (w.child.exitCode !== null) throw new Error(`${w.name} exited:\n${w.output()}`);
      await sleep(200);
      stats = await ctx.sink.stats();
    }
    const rss = workers.map((w) => peakRssMb(w.child.pid));

    const db = createDb(ctx.store.url, { poolSize: 1 });
    try {
      const rows = await db.kysely
        .selectFrom('digest_deliveries')
        .select(['status', 'created_at', 'sent_at'])
        .execute();
      const latencies = rows
        .filter((r) => r.status === 'sent' && r.sent_at)
        .map((r) => Date.parse(r.sent_at!) - Date.parse(r.created_at))
        .sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
      return {
        mails: stats.messages,
        mailsPerS: stats.messages / ((stats.lastAt - started) / 1000),
        enqueueMs,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        peakRssMb: rss,
        failed: rows.filter((r) => r.status === 'failed').length,
      };
    } finally {
      await db.close();
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop(15_000)));
  }
}

runBench(readSettings, note, async (settings, cleanup) => {
  for (const file of [WORKER_MAIN, CLI_MAIN, SINK])
    if (!fs.existsSync(file)) throw new SetupError(`${file} is missing; build first (npx tsc -b)`);
  if (settings.db === 'postgres') await assertPostgresReachable(settings.pgAdminUrl);
  const fixture = loadFixture(settings.fixture);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-digest-'));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);
  fs.mkdirSync(path.join(tmpDir, 'redis'));
  const redis = await startRedisServer(cleanup, path.join(tmpDir, 'redis'));
  const sink = await startSink(cleanup);
  note(
    `${settings.subscribers} subscribers, ${settings.posts} new posts, ${settings.db}; workers ${settings.workers.join(', ')}; ` +
      `${os.cpus().length} CPUs, Node ${process.version}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );

  let ceiling: number | undefined;
  for (const workers of settings.workers) {
    const store = await createStore(cleanup, settings.db, `digest_${workers}`, {
      dir: tmpDir,
      pgAdminUrl: settings.pgAdminUrl,
    });
    // The new posts: published over the last ~18 days, up to a day ago, with related posts.
    await seedFeedStore(store, fixture, { count: settings.posts, publicBaseUrl: PUBLIC_BASE_URL, spanYears: 0.05 });
    await seedSubscribers(store, settings.subscribers);

    if (ceiling === undefined) {
      const messages = await renderDigests(store, settings.ceilingMails);
      const mime = await measureMimeBuild(messages.slice(0, Math.min(messages.length, 1000)));
      const result = await measureCeiling(sink, messages);
      ceiling = result.mailsPerS;
      emit({ case: 'mime-build', mails_per_s: round(mime, 1) });
      emit({
        case: 'ceiling',
        what: 'nodemailer pool (5 connections) sending pre-rendered digests',
        mails: messages.length,
        mails_per_s: round(ceiling, 1),
        mean_message_kb: round(result.meanBytes / 1024, 1),
      });
    }

    note(`system run with ${workers} worker(s)`);
    const r = await runSystem(cleanup, {
      store,
      sink,
      redisUrl: redis.url,
      tmpDir,
      workers,
      expected: settings.subscribers,
      timeoutMs: settings.timeoutMin * 60_000,
    });
    emit({
      case: 'system',
      workers,
      subscribers: settings.subscribers,
      mails: r.mails,
      failed: r.failed,
      mails_per_s: round(r.mailsPerS, 1),
      ratio_to_ceiling: round(r.mailsPerS / ceiling, 3),
      enqueue_ms: r.enqueueMs,
      claim_to_sent_p50_ms: r.p50Ms,
      claim_to_sent_p99_ms: r.p99Ms,
      worker_peak_rss_mb: r.peakRssMb.map((v) => round(v, 1)),
    });
  }
});
