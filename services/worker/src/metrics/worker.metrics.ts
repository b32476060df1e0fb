import type { Queue, Worker } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db, SubscriberStatus } from '@careerfeed/db';

/** How long one scrape waits for Redis or the database before leaving those series out. */
export const SCRAPE_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** One promise per scrape, shared by the gauges collected in it. */
function perScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let latest: Promise<T> | undefined;
  return () => {
    latest ??= load().finally(() => setImmediate(() => (latest = undefined)));
    return latest;
  };
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

interface QueueStats {
  name: string;
  counts: Record<(typeof QUEUE_STATES)[number], number>;
  oldestWaitingSeconds: number;
}

async function readQueue(queue: Queue, nowMs: number): Promise<QueueStats> {
  // BullMQ keeps prioritized jobs apart from plain waiting ones; both are waiting to an operator.
  const [raw, oldest] = await Promise.all([
    queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
    queue.getJobs(['wait'], 0, 0, true),
  ]);
  const job = oldest[0];
  // A delayed job (a scheduler's next tick, a retry) waits from when it became due, not from when it was added.
  const dueAt = job ? job.timestamp + (job.delay ?? 0) : nowMs;
  return {
    name: queue.name,
    counts: {
      waiting: (raw.wait ?? 0) + (raw.prioritized ?? 0),
      active: raw.active ?? 0,
      delayed: raw.delayed ?? 0,
      failed: raw.failed ?? 0,
    },
    oldestWaitingSeconds: Math.max(0, (nowMs - dueAt) / 1000),
  };
}

export interface WorkerMetricsDeps {
  registry: Registry;
  db: Db;
  queues: Queue[];
  processors: Worker[];
  /** Every job scheduler the worker keeps, and a way to tell which are missing (createWorker's). */
  schedulers: { ids: string[]; missing(): Promise<string[]> };
  now: () => Date;
  timeoutMs?: number;
}

/**
 * The worker's operational series, read at scrape time:
 * - `queue_jobs{queue,state}` (waiting, active, delayed, failed) and
 *   `queue_oldest_waiting_job_age_seconds{queue}`, from BullMQ;
 * - `jobs_failed_total{queue}`, every failed attempt (`worker.on('failed')`), retried ones included;
 * - `job_schedulers_present{scheduler}`, 1 or 0;
 * - `subscribers{state}` from the database.
 * When Redis or the database does not answer within `timeoutMs`, the scrape still answers, without
 * those series (so no stale value looks current), and /readyz says why.
 */
export function workerMetrics(deps: WorkerMetricsDeps): void {
  const { registry } = deps;
  const timeoutMs = deps.timeoutMs ?? SCRAPE_TIMEOUT_MS;

  const queueStats = perScrape(() =>
    withTimeout(
      Promise.all(deps.queues.map((queue) => readQueue(queue, deps.now().getTime()))),
      timeoutMs,
      'queue counts',
    ),
  );
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state (waiting includes prioritized), read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const stats = await queueStats().catch(() => []);
      for (const { name, counts } of stats) {
        for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: 'queue_oldest_waiting_job_age_seconds',
    help: 'How long the oldest waiting job of each queue has been due (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const stats = await queueStats().catch(() => []);
      for (const { name, oldestWaitingSeconds } of stats) this.set({ queue: name }, oldestWaitingSeconds);
    },
  });

  const failed = new Counter({
    name: 'jobs_failed_total',
    help: 'Failed job attempts per queue, including attempts that BullMQ will retry',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  for (const processor of deps.processors) {
    const child = failed.labels(processor.name);
    child.inc(0);
    processor.on('failed', () => child.inc());
  }

  new Gauge({
    name: 'job_schedulers_present',
    help: 'Whether each job scheduler (digest tick, source-poll tick) exists in Redis: 1 yes, 0 missing',
    labelNames: ['scheduler'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const missing = await withTimeout(deps.schedulers.missing(), timeoutMs, 'job schedulers').catch(() => undefined);
      if (!missing) return;
      for (const id of deps.schedulers.ids) this.set({ scheduler: id }, missing.includes(id) ? 0 : 1);
    },
  });

  const states: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'suspended'];
  new Gauge({
    name: 'subscribers',
    help: 'Digest subscribers by state (pending, active, unsubscribed, suspended)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await withTimeout(
        deps.db.kysely
          .selectFrom('subscribers')
          .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
          .groupBy('status')
          .execute(),
        timeoutMs,
        'subscribers',
      ).catch(() => undefined);
      if (!rows) return;
      for (const state of states) this.set({ state }, Number(rows.find((r) => r.status === state)?.n ?? 0));
    },
  });
}
