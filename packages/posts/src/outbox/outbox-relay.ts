import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Db } from '@careerfeed/db';
import { type PostEvent, postEventJobId } from '@careerfeed/jobs';
import * as outbox from './outbox.repository';

export interface OutboxRelayOptions {
  db: Db;
  queue: Queue;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** How often to look for events nobody announced (another instance's, or ones left by a crash). */
  pollIntervalMs?: number;
  batchSize?: number;
  leaseMs?: number;
  /** How long after dispatching an event the relay dispatches it again if the worker has not finished with it. */
  redispatchAfterMs?: number;
  now?: () => Date;
}

export interface OutboxRelay {
  /** Run a pass soon (called after a transaction that wrote events commits). */
  kick(): void;
  /** One pass until the outbox is empty or Redis fails; returns the number of events moved. */
  drain(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 10_000;
// A burst of writes becomes one pass (one claim, one addBulk, one update) instead of one per post;
// events still reach the queue within a few tens of milliseconds.
const KICK_DELAY_MS = 20;

/**
 * Moves committed outbox events onto the post-events queue. Posts never wait for Redis: they are
 * accepted while Redis is down, and their events stay in the table until a pass succeeds.
 * Delivery is at-least-once; the deterministic job id makes repeated enqueues of one event no-ops
 * while BullMQ still remembers the job (kept a week after completion).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, queue } = options;
  const owner = randomUUID();
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 200;
  const leaseMs = options.leaseMs ?? 30_000;
  // Long enough for a busy queue to reach an event (adding it again is a no-op while its job
  // exists anyway); short enough that a Redis that lost its jobs delays events by minutes.
  const redispatchAfterMs = options.redispatchAfterMs ?? 5 * 60_000;
  const now = options.now ?? (() => new Date());

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let wanted = false;
  let stopped = true;
  let failures = 0;

  async function passOnce(): Promise<number> {
    const at = now();
    const batch = await outbox.claimOutboxEvents(db.kysely, db.dialect, {
      owner,
      now: at.toISOString(),
      leaseUntil: new Date(at.getTime() + leaseMs).toISOString(),
      limit: batchSize,
      redispatchBefore: new Date(at.getTime() - redispatchAfterMs).toISOString(),
    });
    if (batch.length === 0) return 0;
    const ids = batch.map((row) => row.id);
    try {
      await queue.addBulk(
        batch.map((row) => {
          const event = JSON.parse(row.payload) as PostEvent;
          return { name: event.type, data: event, opts: { jobId: postEventJobId(event.eventId) } };
        }),
      );
    } catch (error) {
      await outbox.releaseOutboxEvents(db.kysely, ids, owner, String(error));
      throw error;
    }
    await outbox.markOutboxEventsDispatched(db.kysely, ids, owner, now().toISOString());
    return batch.length;
  }

  async function drain(): Promise<number> {
    let moved = 0;
    for (;;) {
      const n = await passOnce();
      moved += n;
      if (n < batchSize) return moved;
    }
  }

  let dueAt = Infinity;
  /** Runs a pass after `delayMs`, unless one is already due sooner (so a stream of kicks cannot postpone it forever). */
  function schedule(delayMs: number): void {
    if (stopped || Date.now() + delayMs >= dueAt) return;
    clearTimeout(timer);
    dueAt = Date.now() + delayMs;
    timer = setTimeout(() => {
      dueAt = Infinity;
      run();
    }, delayMs);
    timer.unref();
  }

  function run(): void {
    if (running) {
      wanted = true;
      return;
    }
    wanted = false;
    running = drain()
      .then(() => {
        failures = 0;
      })
      .catch((error: unknown) => {
        failures += 1;
        if (failures === 1 || failures % 30 === 0) {
          options.logger?.warn(
            { err: error, failures },
            'outbox relay could not reach the queue; events wait in the database',
          );
        }
      })
      .finally(() => {
        running = undefined;
        const backoff = failures === 0 ? pollIntervalMs : Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 6));
        if (wanted && failures === 0) schedule(KICK_DELAY_MS);
        else schedule(backoff);
      });
  }

  return {
    kick() {
      if (stopped) return;
      if (running) wanted = true;
      else if (failures === 0) schedule(KICK_DELAY_MS);
    },
    drain,
    start() {
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      dueAt = Infinity;
      await running;
    },
  };
}
