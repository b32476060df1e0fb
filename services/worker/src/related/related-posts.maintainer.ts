import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { RebuildOutcome, ReweighOutcome } from './related-posts.engine';
import type { RelatedThreadMessage, RelatedThreadOptions, RelatedThreadRequest } from './related-posts.protocol';

export type { RebuildOutcome, ReweighOutcome } from './related-posts.engine';

export interface RelatedPostsMaintainerDeps {
  /** The thread opens its own connection to this database. */
  databaseUrl: string;
  /** Related posts kept per post (1..10). */
  k: number;
  now?: () => Date;
  /**
   * Every post is re-weighed at least once in this time by the rolling re-weigh (see the engine),
   * besides the posts that the store's growth or shrinkage by a quarter since they were weighed
   * makes due. 0: only those. Default one day.
   */
  rebuildIntervalMs?: number;
  /** Posts per transaction of a fill or full recompute (default 200). */
  pageSize?: number;
  /**
   * Time between two rounds of the rolling re-weigh when the last one left nothing due (ms);
   * after a round that left posts due, the next follows after a pause as long as the round. 0:
   * no rounds but those `reweigh()` is called for. Default 10 s.
   */
  reweighIdleMs?: number;
  /** Most posts a round re-weighs (default 50). */
  reweighBatchPosts?: number;
  /** A round starts no post after this long (ms, default 250): what a sync waits at most. */
  reweighBudgetMs?: number;
  /**
   * Called after each round of the rolling re-weigh that re-weighed posts, with the posts whose
   * lists it changed (persisted already): their feeds need refreshing, as after a sync.
   */
  onReweighed?: (outcome: ReweighOutcome) => Promise<void> | void;
  /**
   * Called after a full recompute with the posts whose lists it changed, and those the sync run
   * right after it changed (the changes that arrived meanwhile), all persisted already: their
   * feeds need refreshing, as after a sync.
   */
  onRebuilt?: (outcome: RebuildOutcome) => Promise<void> | void;
  logger?: Logger;
}

export interface RelatedPostsMaintainer {
  /**
   * Starts the thread and reads the shared index's state: nothing is loaded, so this is quick.
   * When the index must first be filled from the posts (a new deployment, another ranking
   * version), the fill runs in the background like a full recompute (`rebuilding`); stored lists
   * stay as they are until it ends. sync() calls this itself when needed (or the thread died).
   */
  init(): Promise<void>;
  /** Resolves once no fill or full recompute is running (at once when none is). */
  settled(): Promise<void>;
  /**
   * Brings the index and the stored lists up to date with every change since the last sync and
   * returns the ids of the posts whose related list changed (their feeds need refreshing). While
   * a fill (and its full recompute) runs it returns [] at once: the sync that follows the fill
   * takes those changes in, and its changed posts are reported with the fill's (`onRebuilt`).
   * Otherwise it waits at most for the re-weigh round the thread is running, if any.
   */
  sync(): Promise<string[]>;
  /**
   * Runs one round of the rolling re-weigh now (rounds also run on their own timer, see
   * `reweighIdleMs`), and announces what it changed (`onReweighed`). A round already running is
   * awaited instead; during a fill it does nothing.
   */
  reweigh(): Promise<ReweighOutcome>;
  /** True from the start or sync after which a fill was due until that fill ends. */
  readonly rebuilding: boolean;
  /**
   * Ends the thread: at once if it is idle, after CLOSE_WAIT_MS if it is busy (a recompute);
   * requests not yet answered fail.
   */
  close(): Promise<void>;
}

export const DEFAULT_RELATED_REBUILD_INTERVAL_MS = 24 * 3_600_000;
const DEFAULT_REWEIGH_IDLE_MS = 10_000;
// The shortest pause between two rounds that both had work: the thread is at most about half
// busy re-weighing while a backlog lasts, and syncs in between wait for one round at most.
const MIN_REWEIGH_PAUSE_MS = 50;

// How long close() lets a busy thread finish before ending it.
const CLOSE_WAIT_MS = 2_000;

// Tests import the workspaces from source (ts-jest); a thread cannot, so it runs the compiled
// file, which the test setup builds (`tsc -b`) first.
const THREAD_FILE = __filename.endsWith('.ts')
  ? path.join(__dirname, '..', '..', 'dist', 'related', 'related-posts.thread.js')
  : path.join(__dirname, 'related-posts.thread.js');

type Reply = Extract<RelatedThreadMessage, { type: 'reply' | 'reweighed' }>;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

const NOTHING_REWEIGHED: ReweighOutcome = { changed: [], reweighed: 0, more: false, durationMs: 0 };

/**
 * Keeps `related_posts` current: each change re-ranks only the posts it can affect, never the
 * whole store, so reading a feed never ranks; and a rolling re-weigh renews the stalest posts in
 * small rounds, so that lists do not drift from a full recompute as the store grows and changes
 * (a full recompute, page by page, only fills a new or re-versioned store). The index is in the
 * database (RelatedStore, shared by every worker), so starting loads nothing. The work runs in a worker thread of its own
 * (related-posts.thread.ts, with its own database connection): this side only forwards requests,
 * so neither an update's CPU nor a recompute ever blocks the event loop that runs the queues.
 * During a fill or recompute, syncs return at once and the changes they would have applied wait
 * for it: it delays related-list updates, never a job.
 */
export function createRelatedPostsMaintainer(deps: RelatedPostsMaintainerDeps): RelatedPostsMaintainer {
  const now = deps.now ?? (() => new Date());
  const options: RelatedThreadOptions = {
    databaseUrl: deps.databaseUrl,
    k: deps.k,
    rebuildIntervalMs: deps.rebuildIntervalMs ?? DEFAULT_RELATED_REBUILD_INTERVAL_MS,
    pageSize: deps.pageSize,
    reweighBatchPosts: deps.reweighBatchPosts,
    reweighBudgetMs: deps.reweighBudgetMs,
  };
  const idleMs = deps.reweighIdleMs ?? DEFAULT_REWEIGH_IDLE_MS;
  let roundTimer: NodeJS.Timeout | undefined;
  let round: Promise<ReweighOutcome> | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let thread: Worker | undefined;
  let initialized = false;
  let closing = false;
  let rebuilding = false;
  const settledWaiters: (() => void)[] = [];
  function setRebuilding(value: boolean): void {
    rebuilding = value;
    if (!value) for (const resolve of settledWaiters.splice(0)) resolve();
  }

  function start(): Worker {
    const worker = new Worker(THREAD_FILE, { workerData: options });
    // The thread never keeps the process alive on its own: shutdown goes through close().
    worker.unref();
    worker.on('message', (message: RelatedThreadMessage) => {
      if (message.type === 'rebuilt') {
        void finishRebuild(message.outcome);
        return;
      }
      if (message.type === 'rebuild-failed') {
        setRebuilding(false);
        // The syncs skipped meanwhile are replayed by the next one (it reads every change since the
        // last sync that ran).
        deps.logger?.error({ err: message.message }, 'related posts: full recompute failed');
        return;
      }
      const request = pending.get(message.id);
      if (request === undefined) return;
      pending.delete(message.id);
      if (message.type === 'reply' || message.type === 'reweighed') {
        if (message.type === 'reply' && message.rebuilding) setRebuilding(true);
        request.resolve(message);
      } else {
        request.reject(new Error(message.message));
      }
    });
    // A thread that dies (out of memory, a bug) fails what it had; the next call starts a new one,
    // which loads the store again and replays the changes since the last recorded sync.
    const fail = (error: Error) => {
      if (thread === worker) {
        thread = undefined;
        initialized = false;
        setRebuilding(false);
      }
      for (const request of pending.values()) request.reject(error);
      pending.clear();
    };
    worker.on('error', (error) => {
      deps.logger?.error({ err: error }, 'related posts: thread failed');
      fail(error);
    });
    worker.on('exit', (code) => fail(new Error(`related-posts thread exited (code ${code})`)));
    return worker;
  }

  function send(op: RelatedThreadRequest['op']): Promise<Reply> {
    thread ??= start();
    const id = nextId++;
    const message: RelatedThreadRequest = { id, op, nowUtc: now().toISOString() };
    const worker = thread;
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage(message);
    });
  }

  async function request(op: 'init' | 'sync' | 'close'): Promise<string[]> {
    const reply = await send(op);
    return reply.type === 'reply' ? reply.changed : [];
  }

  /** One round, its changes announced; rounds never overlap. */
  function reweigh(): Promise<ReweighOutcome> {
    round ??= (async () => {
      try {
        await ensureInitialized();
        // The thread is busy with a fill for minutes: the rounds wait for it to end.
        if (rebuilding || closing) return NOTHING_REWEIGHED;
        const reply = await send('reweigh');
        const outcome = reply.type === 'reweighed' ? reply.outcome : NOTHING_REWEIGHED;
        if (outcome.reweighed > 0) {
          try {
            await deps.onReweighed?.(outcome);
          } catch (error) {
            deps.logger?.warn({ err: error }, 'related posts: announcing a re-weigh failed');
          }
        }
        return outcome;
      } finally {
        round = undefined;
      }
    })();
    return round;
  }

  function scheduleRound(delayMs: number): void {
    clearTimeout(roundTimer);
    roundTimer = undefined;
    if (closing || idleMs <= 0) return;
    roundTimer = setTimeout(() => {
      roundTimer = undefined;
      reweigh().then(
        (outcome) => scheduleRound(outcome.more ? Math.max(MIN_REWEIGH_PAUSE_MS, outcome.durationMs) : idleMs),
        (error: unknown) => {
          deps.logger?.error({ err: error }, 'related posts: a re-weigh round failed');
          scheduleRound(idleMs);
        },
      );
    }, delayMs);
    // Rounds never keep the process alive: shutdown goes through close().
    roundTimer.unref();
  }

  /** Takes in what changed during the recompute, then reports both. */
  async function finishRebuild(outcome: RebuildOutcome): Promise<void> {
    rebuilding = false;
    const changed = new Set(outcome.changed);
    try {
      if (!closing) for (const id of await request('sync')) changed.add(id);
    } catch (error) {
      // Replayed by the next sync.
      deps.logger?.warn({ err: error }, 'related posts: the sync after a full recompute failed');
    }
    deps.logger?.info(
      { posts: outcome.posts, changed: outcome.changed.length, ms: Math.round(outcome.durationMs) },
      'related posts: full recompute done',
    );
    try {
      await deps.onRebuilt?.({ ...outcome, changed: [...changed] });
    } catch (error) {
      deps.logger?.warn({ err: error }, 'related posts: announcing a full recompute failed');
    }
    setRebuilding(rebuilding);
  }

  // One load at a time: a sync that comes while the index is loading waits for that load rather
  // than asking the thread for a second one.
  let initializing: Promise<void> | undefined;
  function ensureInitialized(): Promise<void> {
    if (initialized && thread !== undefined) return Promise.resolve();
    initializing ??= request('init')
      .then(() => {
        initialized = true;
        if (roundTimer === undefined) scheduleRound(idleMs);
      })
      .finally(() => {
        initializing = undefined;
      });
    return initializing;
  }

  return {
    init: ensureInitialized,
    async sync() {
      if (closing) throw new Error('the related-posts maintainer is closed');
      await ensureInitialized();
      // The thread is busy for as long as the recompute takes (minutes at 100,000 posts): callers
      // (post events, go-live jobs) carry on, and finishRebuild syncs once it is done.
      if (rebuilding) return [];
      return request('sync');
    },
    reweigh,
    get rebuilding() {
      return rebuilding;
    },
    async settled() {
      await ensureInitialized();
      if (!rebuilding) return;
      await new Promise<void>((resolve) => settledWaiters.push(resolve));
    },
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(roundTimer);
      for (const resolve of settledWaiters.splice(0)) resolve();
      const worker = thread;
      if (worker === undefined) return;
      // The thread gets a moment to close its connection, no more: a recompute in progress can take
      // minutes, and one cut short loses nothing (its lists are written in one transaction at the
      // end; the next start takes the abandoned fill over). Syncs it had not answered
      // fail, and their jobs are retried.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        request('close').catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
