import type { JobsOptions, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { type DigestSchedule, digestPeriodKey, nextDigestDue } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import {
  DIGEST_PAGE_JOB,
  DIGEST_PAGE_SIZE,
  DIGEST_TICK_JOB,
  DIGEST_TICK_SCHEDULER_ID,
  type DigestJob,
  type DigestPageJob,
  INSTANT_RUN_JOB,
  type InstantRunJob,
  compactInstant,
  digestPageJobId,
  instantRunJobId,
} from '@careerfeed/jobs';
import {
  type ScheduleRow,
  type ScheduledFrequency,
  advanceNextDigests,
  findActiveSubscribersPage,
  findDueSubscribers,
} from './digests.repository';

export interface DigestSchedulerDeps {
  db: Db;
  queue: Queue;
  now: () => Date;
  logger?: Logger;
  /** Subscribers read and enqueued per round trip; the scheduler never holds more than this. */
  pageSize?: number;
  /** First retry delay of a digest job (exponential backoff after that). */
  retryDelayMs?: number;
}

/** Rows read per round trip; each read page becomes jobs of up to DIGEST_PAGE_SIZE digests. */
const PAGE_SIZE = 500;
/** ~8 attempts with exponential backoff from 30 s: about two hours of SMTP trouble before giving up. */
const DIGEST_ATTEMPTS = 8;

/** Options of a digest job (a page, or the old one-subscriber shape): `jobId` is its deterministic id. */
export function digestJobOptions(jobId: string, retryDelayMs = 30_000): JobsOptions {
  return {
    jobId,
    attempts: DIGEST_ATTEMPTS,
    backoff: { type: 'exponential', delay: retryDelayMs },
    // Kept a day: a scheduler re-adding the same digest meanwhile adds nothing. After that the
    // delivery row in the database still stops a second send.
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

function scheduleOf(row: ScheduleRow): DigestSchedule {
  return {
    frequency: row.frequency === 'weekly' ? 'weekly' : 'daily',
    timeZone: row.time_zone,
    deliveryHour: row.delivery_hour,
    deliveryWeekday: row.delivery_weekday,
  };
}

/**
 * Walks keyset pages, reading the next page while the current one is handled: each read starts
 * after the previous page's last row, which handling that page cannot move. At most two pages
 * are in memory, whatever the table holds.
 */
async function forEachPage<R>(
  read: (after: R | undefined) => Promise<R[]>,
  limit: number,
  handle: (rows: R[]) => Promise<void>,
): Promise<void> {
  let rows = await read(undefined);
  while (rows.length > 0) {
    const next = rows.length < limit ? Promise.resolve([]) : read(rows[rows.length - 1]);
    // Observed now, so a failed read cannot go unhandled while this page is still being written.
    next.catch(() => undefined);
    await handle(rows);
    rows = await next;
  }
}

/** Consecutive runs of at most DIGEST_PAGE_SIZE digests, each one job. */
export function digestPages(digests: DigestJob[]): DigestPageJob[] {
  const pages: DigestPageJob[] = [];
  for (let i = 0; i < digests.length; i += DIGEST_PAGE_SIZE)
    pages.push({ digests: digests.slice(i, i + DIGEST_PAGE_SIZE) });
  return pages;
}

/** One job per page of digests: the queue's cost is paid per page, not per subscriber. */
async function addDigests(deps: DigestSchedulerDeps, digests: DigestJob[]): Promise<void> {
  if (digests.length === 0) return;
  await deps.queue.addBulk(
    digestPages(digests).map((data) => ({
      name: DIGEST_PAGE_JOB,
      data,
      opts: digestJobOptions(digestPageJobId(data), deps.retryDelayMs),
    })),
  );
}

/**
 * One scheduler tick: every active, unpaused daily/weekly subscriber whose next digest is due gets
 * their digest for that period enqueued, in pages of up to DIGEST_PAGE_SIZE subscribers per job
 * (deterministic job ids), and their next due instant moves on.
 *
 * Streamed in pages in (next_digest_at, id) order. Jobs are added before the schedule advances,
 * so a crash in between re-adds the same job ids next tick (BullMQ ignores them, and the delivery
 * row stops a second send). The advance is guarded by the old value, so two schedulers running at
 * once advance each subscriber once. Periods missed while nothing ran are not back-filled: the
 * next digest covers everything since the last one (`digest_cursor`).
 */
export async function runDigestTick(
  deps: DigestSchedulerDeps,
  options: { frequencies?: ScheduledFrequency[] } = {},
): Promise<{ enqueued: number }> {
  const now = deps.now();
  const nowUtc = now.toISOString();
  const frequencies = options.frequencies ?? ['daily', 'weekly'];
  const limit = deps.pageSize ?? PAGE_SIZE;
  await initialiseMissingSchedules(deps, frequencies, now);

  let enqueued = 0;
  let advancing: Promise<void> = Promise.resolve();
  const read = (after: ScheduleRow | undefined) =>
    findDueSubscribers(deps.db.kysely, {
      nowUtc,
      frequencies,
      after: after && { due: after.next_digest_at!, id: after.id },
      limit,
    });
  await forEachPage(read, limit, async (rows) => {
    const planned: { job: DigestJob; move: { id: string; from: string | null; to: string } }[] = [];
    for (const row of rows) {
      const due = new Date(row.next_digest_at!);
      try {
        const schedule = scheduleOf(row);
        const periodKey = digestPeriodKey(schedule, due);
        const to = nextDigestDue(schedule, due > now ? due : now).toISOString();
        planned.push({
          job: { subscriberId: row.id, periodKey, windowEnd: due.toISOString() },
          move: { id: row.id, from: row.next_digest_at, to },
        });
      } catch (error) {
        deps.logger?.error({ subscriberId: row.id, err: error }, 'cannot schedule digest');
      }
    }
    await addDigests(
      deps,
      planned.map((p) => p.job),
    );
    // This page's jobs are in; its schedules move on while the next page is read and enqueued.
    // One advance in flight at a time, and the tick ends only when the last one has.
    await advancing;
    advancing = advanceNextDigests(
      deps.db.kysely,
      planned.map((p) => p.move),
      nowUtc,
    );
    advancing.catch(() => undefined);
    enqueued += planned.length;
  });
  await advancing;
  if (enqueued > 0) deps.logger?.info({ enqueued }, 'digests enqueued');
  return { enqueued };
}

/**
 * An active daily/weekly subscriber without a next due instant (a schedule nobody set, e.g. after
 * a frequency change) gets one, counted from now.
 */
async function initialiseMissingSchedules(
  deps: DigestSchedulerDeps,
  frequencies: ScheduledFrequency[],
  now: Date,
): Promise<void> {
  let afterId: string | undefined;
  for (;;) {
    const rows = await findActiveSubscribersPage(deps.db.kysely, {
      frequencies,
      afterId,
      limit: deps.pageSize ?? PAGE_SIZE,
      withoutSchedule: true,
    });
    const moves: { id: string; from: null; to: string }[] = [];
    for (const row of rows) {
      try {
        moves.push({ id: row.id, from: null, to: nextDigestDue(scheduleOf(row), now).toISOString() });
      } catch (error) {
        deps.logger?.error({ subscriberId: row.id, err: error }, 'cannot schedule digest');
      }
    }
    await advanceNextDigests(deps.db.kysely, moves, now.toISOString());
    if (rows.length < (deps.pageSize ?? PAGE_SIZE)) return;
    afterId = rows[rows.length - 1]!.id;
  }
}

/**
 * `digest run --frequency all`: the digest of the period that is current now in each subscriber's
 * own calendar (today's, or this ISO week's), for every active daily/weekly subscriber, whatever
 * their delivery hour, covering everything up to now. It is that period's one digest: where it
 * was already sent this does nothing, and when the hour comes the scheduler's job for the same
 * period finds it sent. So running it twice, or before the hour, never makes a second digest.
 */
export async function enqueueCurrentPeriods(
  deps: DigestSchedulerDeps,
  options: { frequencies?: ScheduledFrequency[] } = {},
): Promise<{ enqueued: number }> {
  const now = deps.now();
  const limit = deps.pageSize ?? PAGE_SIZE;
  let enqueued = 0;
  const read = (after: ScheduleRow | undefined) =>
    findActiveSubscribersPage(deps.db.kysely, {
      frequencies: options.frequencies ?? ['daily', 'weekly'],
      afterId: after?.id,
      limit,
    });
  await forEachPage(read, limit, async (rows) => {
    const jobs: DigestJob[] = [];
    for (const row of rows) {
      try {
        jobs.push({
          subscriberId: row.id,
          periodKey: digestPeriodKey(scheduleOf(row), now),
          windowEnd: now.toISOString(),
        });
      } catch (error) {
        deps.logger?.error({ subscriberId: row.id, err: error }, 'cannot schedule digest');
      }
    }
    await addDigests(deps, jobs);
    enqueued += jobs.length;
  });
  return { enqueued };
}

/** The repeatable tick: every minute, on whichever worker takes it (one scheduler entry per queue, not per process). */
export async function ensureDigestTickScheduler(queue: Queue, everyMs = 60_000): Promise<void> {
  await queue.upsertJobScheduler(
    DIGEST_TICK_SCHEDULER_ID,
    { every: everyMs },
    { name: DIGEST_TICK_JOB, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
}

/**
 * A post was published: instant subscribers get one digest for every batch of posts published
 * within `delaySeconds` of the first (BullMQ deduplication in throttle mode: further adds while
 * the run is pending are ignored). The run covers posts published before its `windowEnd`, the
 * instant it is due, which is fixed when it is added, so a retried run adds the same digest jobs.
 */
export async function requestInstantRun(queue: Queue, now: Date, delaySeconds: number): Promise<void> {
  const delayMs = delaySeconds * 1000;
  // Whole seconds: the period key and job ids carry the instant without milliseconds.
  const windowEnd = new Date(Math.ceil((now.getTime() + delayMs) / 1000) * 1000);
  const data: InstantRunJob = { windowEnd: windowEnd.toISOString() };
  await queue.add(INSTANT_RUN_JOB, data, {
    jobId: instantRunJobId(windowEnd),
    delay: windowEnd.getTime() - now.getTime(),
    deduplication: { id: 'instant-run', ttl: Math.max(1000, delayMs) },
    attempts: DIGEST_ATTEMPTS,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

/** The instant run: a digest for every active instant subscriber (in pages), for the window ending at `windowEnd`. */
export async function runInstantDigests(deps: DigestSchedulerDeps, run: InstantRunJob): Promise<{ enqueued: number }> {
  const periodKey = `instant:${compactInstant(new Date(run.windowEnd))}`;
  const limit = deps.pageSize ?? PAGE_SIZE;
  let enqueued = 0;
  const read = (after: ScheduleRow | undefined) =>
    findActiveSubscribersPage(deps.db.kysely, { frequencies: ['instant'], afterId: after?.id, limit });
  await forEachPage(read, limit, async (rows) => {
    await addDigests(
      deps,
      rows.map((row) => ({ subscriberId: row.id, periodKey, windowEnd: run.windowEnd })),
    );
    enqueued += rows.length;
  });
  return { enqueued };
}
