import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { RebuildOutcome } from './related-posts.engine';
import type { RelatedThreadMessage, RelatedThreadOptions, RelatedThreadRequest } from './related-posts.protocol';

export type { RebuildOutcome } from './related-posts.engine';

export interface RelatedPostsMaintainerDeps {
  /** The thread opens its own connection to this database. */
  databaseUrl: string;
  /** Related posts kept per post (1..10). */
  k: number;
  now?: () => Date;
  /**
   * A full recompute is run after a sync once this long has passed since the last one (and the
   * index changed since), besides when the index has grown or shrunk by a quarter or a quarter
   * of its posts were edited or removed. 0: only those. Default one day.
   */
  rebuildIntervalMs?: number;
  /** Posts per transaction of a fill or full recompute (default 200). */
  pageSize?: number;
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
   * a full recompute runs it returns [] at once: the sync that follows the recompute takes those
   * changes in, and its changed posts are reported with the recompute's (`onRebuilt`).
   */
  sync(): Promise<string[]>;
  /** True from the sync after which a full recompute was due until that recompute ends. */
  readonly rebuilding: boolean;
  /**
   * Ends the thread: at once if it is idle, after CLOSE_WAIT_MS if it is busy (a recompute);
   * requests not yet answered fail.
   */
  close(): Promise<void>;
}

export const DEFAULT_RELATED_REBUILD_INTERVAL_MS = 24 * 3_600_000;

// How long close() lets a busy thread finish before ending it.
const CLOSE_WAIT_MS = 2_000;

// Tests import the workspaces from source (ts-jest); a thread cannot, so it runs the compiled
// file, which the test setup builds (`tsc -b`) first.
const THREAD_FILE = __filename.endsWith('.ts')
  ? path.join(__dirname, '..', '..', 'dist', 'related', 'related-posts.thread.js')
  : path.join(__dirname, 'related-posts.thread.js');

interface Pending {
  resolve: (changed: string[]) => void;
  reject: (error: Error) => void;
}

/**
 * Keeps `related_posts` current: each change re-ranks only the posts it can affect, never the
 * whole store, so reading a feed never ranks; and from time to time the whole index is
 * recomputed, page by page. The index is in the database (RelatedStore, shared by every worker),
 * so starting loads nothing. The work runs in a worker thread of its own
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
  };
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
      if (message.type === 'reply') {
        if (message.rebuilding) setRebuilding(true);
        request.resolve(message.changed);
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

  function request(op: RelatedThreadRequest['op']): Promise<string[]> {
    thread ??= start();
    const id = nextId++;
    const message: RelatedThreadRequest = { id, op, nowUtc: now().toISOString() };
    const worker = thread;
    return new Promise<string[]>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage(message);
    });
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
      for (const resolve of settledWaiters.splice(0)) resolve();
      const worker = thread;
      if (worker === undefined) return;
      // The thread gets a moment to close its connection, no more: a recompute in progress can take
      // minutes, and one cut short loses nothing (its lists are written in one transaction at the
      // end; the next start recomputes when the interval says so). Syncs it had not answered
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
