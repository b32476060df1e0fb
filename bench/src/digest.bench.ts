/**
 * `npm run bench:digest`: how fast digests leave, through the whole system (CLI `digest run`, real
 * Redis and BullMQ, the worker process with its database reads, rendering and nodemailer's pooled
 * SMTP transport) into a local SMTP sink in another process; and, in the same run, the ceiling:
 * nodemailer's pooled transport sending already-rendered digests to the same sink, plus building
 * the MIME messages alone. Results are JSON lines on stdout; progress goes to stderr.
 * See bench/README.md.
 */
import {
  type MailMessage,
  createDigestContent,
  createSmtpMailer,
  digestJobOptions,
  runDigestTick,
  unsubscribeHeaders,
} from '@careerfeed/digests';
import { DIGEST_JOB, createRedisConnection, digestJobId, openDigestsQueue } from '@careerfeed/jobs';
import { benchRedisErrors } from './support/redis-errors';
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
  processCpuMs,
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
const MEMORY_PROBE = path.join(__dirname, 'support', 'memory-probe.js');
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

type Case = 'system' | 'tick';

interface Settings {
  cases: Case[];
  subscribers: number;
  posts: number;
  workers: number[];
  db: Dialect;
  ceilingMails: number;
  pgAdminUrl: string;
  fixture: string;
  timeoutMin: number;
  tickSubscribers: number;
  tickDue: number;
  tickDb: Dialect;
  /** When set, each worker runs with --cpu-prof and writes its profile under this directory. */
  cpuProfDir: string | undefined;
  /** When set, each worker loads support/memory-probe and writes its memory samples under this directory. */
  memoryProbeDir: string | undefined;
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
  const tickDb = env.BENCH_TICK_DB || 'postgres';
  if (tickDb !== 'sqlite' && tickDb !== 'postgres')
    problems.push(`BENCH_TICK_DB: sqlite or postgres (got ${JSON.stringify(tickDb)})`);
  const cases = (env.BENCH_CASES || 'system,tick').split(',').map((s) => s.trim());
  if (cases.length === 0 || !cases.every((c) => c === 'system' || c === 'tick'))
    problems.push(`BENCH_CASES: comma-separated, from system and tick (got ${JSON.stringify(env.BENCH_CASES)})`);
  const tickSubscribers = int('BENCH_TICK_SUBSCRIBERS', 1_000_000, 1000, 10_000_000);
  const settings: Settings = {
    cases: cases as Case[],
    subscribers,
    posts: int('BENCH_POSTS', 20, 1, 1000),
    workers,
    db: db as Dialect,
    ceilingMails: int('BENCH_CEILING_MAILS', Math.min(subscribers, 3000), 10, 1_000_000),
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    fixture: path.resolve(env.BENCH_FIXTURE || path.join(ROOT, 'fixtures', 'sample-blog.json')),
    timeoutMin: int('BENCH_TIMEOUT_MIN', 30, 1, 24 * 60),
    tickSubscribers,
    tickDue: int('BENCH_TICK_DUE', 10_000, 0, tickSubscribers),
    tickDb: tickDb as Dialect,
    cpuProfDir: env.BENCH_CPU_PROF_DIR ? path.resolve(env.BENCH_CPU_PROF_DIR) : undefined,
    memoryProbeDir: env.BENCH_MEMORY_PROBE_DIR ? path.resolve(env.BENCH_MEMORY_PROBE_DIR) : undefined,
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
  /** Each worker's CPU time (user + system) from healthy to the last mail, in ms. */
  cpuMs: number[];
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
    cpuProfDir: string | undefined;
    memoryProbeDir: string | undefined;
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
    const profile = ctx.cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ctx.cpuProfDir, `digest-${ctx.workers}w-${i}`)}`]
      : [];
    // --require reaches the worker's threads too (the related-posts index, the SQLite checkpoints).
    const probe = ctx.memoryProbeDir ? ['--require', MEMORY_PROBE] : [];
    const probeEnv = ctx.memoryProbeDir
      ? { BENCH_MEMORY_PROBE_DIR: path.join(ctx.memoryProbeDir, `digest-${ctx.workers}w-${i}`) }
      : {};
    const worker = spawnManaged(cleanup, `worker-${i}`, process.execPath, [...profile, ...probe, WORKER_MAIN], {
      env: { ...env, ...probeEnv, WORKER_PORT: String(port) },
      cwd: ctx.tmpDir,
    });
    workers.push(worker);
    await waitForHealthy(port, worker, 60_000);
  }
  // Start-up (module loading, migrations check, scheduler upsert) is not per-mail work.
  const cpuAtStart = workers.map((w) => processCpuMs(w.child.pid) ?? NaN);
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
    const cpuMs = workers.map((w, i) => (processCpuMs(w.child.pid) ?? NaN) - cpuAtStart[i]!);

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
        cpuMs,
        failed: rows.filter((r) => r.status === 'failed').length,
      };
    } finally {
      await db.close();
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop(15_000)));
  }
}

// ---- the scheduler tick over a large table ----

/**
 * `count` subscribers written by the database itself (generate_series), so a million rows take
 * seconds: every `count / due`-th one is due within the last ten minutes, the rest are due over
 * the next day (daily) or week (weekly), or unsubscribed (1 in 20) or paused (1 in 50).
 */
async function seedTickSubscribers(store: Store, count: number, due: number, now: Date): Promise<void> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const step = due === 0 ? count + 1 : Math.floor(count / due);
    const zones = sql.join(TIME_ZONES.map((z) => sql`${z}::text`));
    const iso = (at: ReturnType<typeof sql>) => sql`to_char(${at}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const nowTs = sql`(${now.toISOString()}::timestamptz at time zone 'UTC')`;
    const since = new Date(now.getTime() - 30 * 24 * 3600_000).toISOString();
    const isDue = sql`(i % ${sql.lit(step)} = 0 and i / ${sql.lit(step)} <= ${sql.lit(due)})`;
    for (let from = 1; from <= count; from += 250_000) {
      const to = Math.min(count, from + 250_000 - 1);
      await sql`
        insert into subscribers (id, email, email_key, status, frequency, topics, time_zone, delivery_hour,
          delivery_weekday, paused, confirmation_sent_at, confirmed_at, digest_cursor, next_digest_at,
          created_at, updated_at)
        select '00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'),
          'student' || i || '@example.edu', 'student' || i || '@example.edu',
          case when not ${isDue} and i % 20 = 7 then 'unsubscribed' else 'active' end,
          case when i % 2 = 0 then 'daily' else 'weekly' end,
          '[]', (array[${zones}])[1 + i % ${sql.lit(TIME_ZONES.length)}], 6 + i % 5, 1 + i % 7,
          case when not ${isDue} and i % 50 = 3 then 1 else 0 end,
          ${since}, ${since}, ${since},
          case when ${isDue} then ${iso(sql`${nowTs} - (i % 600) * interval '1 second'`)}
               when i % 20 = 7 then null
               else ${iso(sql`${nowTs} + (1 + i % (case when i % 2 = 0 then 1440 else 10080 end)) * interval '1 minute'`)}
          end,
          ${since}, ${now.toISOString()}
        from generate_series(${sql.lit(from)}, ${sql.lit(to)}) as i`.execute(db.kysely);
    }
    await sql`analyze subscribers`.execute(db.kysely);
  } finally {
    await db.close();
  }
}

/** Samples this process's RSS every 20 ms while `work` runs: the peak, not just the two ends. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  try {
    const value = await work();
    return { value, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

async function measureTick(
  settings: Settings,
  cleanup: Cleanup,
  ctx: { tmpDir: string; redisUrl: string },
): Promise<void> {
  await assertPostgresReachable(settings.pgAdminUrl);
  const store = await createStore(cleanup, 'postgres', 'digest_tick', {
    dir: ctx.tmpDir,
    pgAdminUrl: settings.pgAdminUrl,
  });
  const now = new Date();
  note(`tick: seeding ${settings.tickSubscribers} subscribers (${settings.tickDue} due) on postgres`);
  const seedStarted = performance.now();
  await seedTickSubscribers(store, settings.tickSubscribers, settings.tickDue, now);
  note(`tick: seeded in ${Math.round((performance.now() - seedStarted) / 1000)} s`);

  const db = createDb(store.url, { poolSize: 4 });
  cleanup.add('close tick database', () => db.close());
  const redis = createRedisConnection(ctx.redisUrl, 'producer', benchRedisErrors);
  cleanup.add('disconnect tick redis', () => redis.disconnect());
  const queue = openDigestsQueue(redis, 'bench-tick');
  const bareQueue = openDigestsQueue(redis, 'bench-tick-bare');
  cleanup.add('close tick queues', async () => {
    await queue.close();
    await bareQueue.close();
  });
  await sql`select 1`.execute(db.kysely);
  await queue.waitUntilReady();

  // The baseline: the same number of digest jobs added with addBulk in pages of 500 and nothing
  // else (no database) — what enqueueing alone costs on this machine now.
  const jobs = Array.from({ length: settings.tickDue }, (_, i) => ({
    subscriberId: `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`,
    periodKey: 'daily:2026-12-07',
    windowEnd: now.toISOString(),
  }));
  const bareStarted = performance.now();
  for (let i = 0; i < jobs.length; i += 500)
    await bareQueue.addBulk(
      jobs.slice(i, i + 500).map((data) => ({ name: DIGEST_JOB, data, opts: digestJobOptions(digestJobId(data)) })),
    );
  const bareMs = performance.now() - bareStarted;
  jobs.length = 0;

  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  const { value: result, peakRss } = await withPeakRss(() => runDigestTick({ db, queue, now: () => now }));
  const tickMs = performance.now() - started;
  const rssAfter = process.memoryUsage.rss();
  // A job is a page of digests (one subscriber's digest per entry): count the digests they carry.
  const waitingJobs = await queue.getJobs(['wait'], 0, -1);
  const waiting = waitingJobs.reduce((sum, job) => sum + ((job.data as { digests?: unknown[] }).digests?.length ?? 1), 0);
  if (result.enqueued !== settings.tickDue || waiting !== settings.tickDue)
    throw new Error(`tick enqueued ${result.enqueued} (${waiting} waiting), expected ${settings.tickDue}`);

  // The next minute's tick: only what falls due in that minute, and it must not scan the table.
  const idleStarted = performance.now();
  const idle = await runDigestTick({ db, queue, now: () => new Date(now.getTime() + 60_000) });
  const idleMs = performance.now() - idleStarted;

  const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
  emit({
    case: 'tick',
    db: 'postgres',
    subscribers: settings.tickSubscribers,
    due: settings.tickDue,
    enqueued: result.enqueued,
    jobs: waitingJobs.length,
    tick_ms: round(tickMs, 1),
    us_per_due: settings.tickDue > 0 ? round((tickMs * 1000) / settings.tickDue, 1) : null,
    bare_enqueue_ms: round(bareMs, 1),
    ratio_to_bare_enqueue: settings.tickDue > 0 ? round(tickMs / bareMs, 2) : null,
    rss_before_mb: mb(rssBefore),
    rss_peak_mb: mb(peakRss),
    rss_after_mb: mb(rssAfter),
    next_tick_ms: round(idleMs, 1),
    next_tick_enqueued: idle.enqueued,
  });
}

// ---- the whole run ----

async function measureSystems(
  settings: Settings,
  cleanup: Cleanup,
  ctx: { tmpDir: string; redisUrl: string },
): Promise<void> {
  for (const file of [WORKER_MAIN, CLI_MAIN, SINK])
    if (!fs.existsSync(file)) throw new SetupError(`${file} is missing; build first (npx tsc -b)`);
  if (settings.db === 'postgres') await assertPostgresReachable(settings.pgAdminUrl);
  const fixture = loadFixture(settings.fixture);
  const sink = await startSink(cleanup);

  // The ceiling is measured before the first system run and after each one: a run at 100,000
  // subscribers lasts many minutes on a shared machine, and each run's ratio is to the mean of
  // the ceilings on either side of it.
  let messages: MailMessage[] | undefined;
  const ceiling = async (): Promise<number> => {
    const cpuBefore = process.cpuUsage();
    const result = await measureCeiling(sink, messages!);
    const cpu = process.cpuUsage(cpuBefore);
    emit({
      case: 'ceiling',
      what: 'nodemailer pool (5 connections) sending pre-rendered digests',
      mails: messages!.length,
      mails_per_s: round(result.mailsPerS, 1),
      cpu_ms_per_mail: round((cpu.user + cpu.system) / 1000 / messages!.length, 3),
      mean_message_kb: round(result.meanBytes / 1024, 1),
    });
    return result.mailsPerS;
  };
  let ceilingBefore: number | undefined;
  const results: { workers: number; mailsPerS: number; cpuMsPerMail: number }[] = [];
  for (const workers of settings.workers) {
    const store = await createStore(cleanup, settings.db, `digest_${workers}`, {
      dir: ctx.tmpDir,
      pgAdminUrl: settings.pgAdminUrl,
    });
    // The new posts: published over the last ~18 days, up to a day ago, with related posts.
    await seedFeedStore(store, fixture, { count: settings.posts, publicBaseUrl: PUBLIC_BASE_URL, spanYears: 0.05 });
    await seedSubscribers(store, settings.subscribers);

    if (messages === undefined) {
      messages = await renderDigests(store, settings.ceilingMails);
      const mime = await measureMimeBuild(messages.slice(0, Math.min(messages.length, 1000)));
      emit({ case: 'mime-build', mails_per_s: round(mime, 1) });
    }
    ceilingBefore ??= await ceiling();

    note(`system run with ${workers} worker(s)`);
    const r = await runSystem(cleanup, {
      store,
      sink,
      redisUrl: ctx.redisUrl,
      tmpDir: ctx.tmpDir,
      workers,
      expected: settings.subscribers,
      timeoutMs: settings.timeoutMin * 60_000,
      cpuProfDir: settings.cpuProfDir,
      memoryProbeDir: settings.memoryProbeDir,
    });
    const ceilingAfter = await ceiling();
    const meanCeiling = (ceilingBefore + ceilingAfter) / 2;
    ceilingBefore = ceilingAfter;
    const cpuMsPerMail = r.cpuMs.reduce((a, b) => a + b, 0) / r.mails;
    results.push({ workers, mailsPerS: r.mailsPerS, cpuMsPerMail });
    emit({
      case: 'system',
      db: settings.db,
      workers,
      subscribers: settings.subscribers,
      mails: r.mails,
      failed: r.failed,
      mails_per_s: round(r.mailsPerS, 1),
      ratio_to_ceiling: round(r.mailsPerS / meanCeiling, 3),
      worker_cpu_ms_per_mail: round(cpuMsPerMail, 3),
      enqueue_ms: r.enqueueMs,
      claim_to_sent_p50_ms: r.p50Ms,
      claim_to_sent_p99_ms: r.p99Ms,
      worker_peak_rss_mb: r.peakRssMb.map((v) => round(v, 1)),
    });
  }
  const one = results.find((r) => r.workers === 1);
  if (one)
    for (const r of results.filter((x) => x.workers > 1))
      emit({
        case: 'scale',
        workers: r.workers,
        ratio_to_one_worker: round(r.mailsPerS / one.mailsPerS, 3),
        cpu_per_mail_ratio_to_one_worker: round(r.cpuMsPerMail / one.cpuMsPerMail, 3),
      });
}

runBench(readSettings, note, async (settings, cleanup) => {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-digest-'));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);
  fs.mkdirSync(path.join(tmpDir, 'redis'));
  const redis = await startRedisServer(cleanup, path.join(tmpDir, 'redis'));
  note(
    `cases ${settings.cases.join(', ')}; ${settings.subscribers} subscribers, ${settings.posts} new posts, ${settings.db}; ` +
      `workers ${settings.workers.join(', ')}; tick over ${settings.tickSubscribers} (${settings.tickDue} due); ` +
      `${os.cpus().length} CPUs, Node ${process.version}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  if (settings.cases.includes('system')) await measureSystems(settings, cleanup, { tmpDir, redisUrl: redis.url });
  if (settings.cases.includes('tick')) await measureTick(settings, cleanup, { tmpDir, redisUrl: redis.url });
});
