import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '@careerfeed/db';
import { createRelatedPostsEngine } from './related-posts.engine';
import type { RelatedThreadMessage, RelatedThreadOptions, RelatedThreadRequest } from './related-posts.protocol';

/**
 * Entry point of the thread that maintains the related-posts index (started by
 * related-posts.maintainer.ts), with its own database connection; the index itself is in the
 * database (RelatedStore). Requests run one at a time, in order; a fill or full recompute is
 * queued right after the request that made it due, so a request sent meanwhile waits for it (the
 * main side sends none then: see `rebuilding` there). A round of the rolling re-weigh is one
 * request like a sync, bounded in time: a sync sent during it waits for that round only.
 */
if (parentPort === null) throw new Error('related-posts.thread must run as a worker thread');
const port = parentPort;
const options = workerData as RelatedThreadOptions;
const db = createDb(options.databaseUrl, { poolSize: 2 });
const engine = createRelatedPostsEngine(db, options);
let queue: Promise<void> = Promise.resolve();

function send(message: RelatedThreadMessage): void {
  port.postMessage(message);
}

function enqueue(task: () => Promise<void>): void {
  queue = queue.then(task, task);
}

async function rebuild(nowUtc: string): Promise<void> {
  try {
    send({ type: 'rebuilt', outcome: await engine.rebuild(nowUtc) });
  } catch (error) {
    send({ type: 'rebuild-failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

async function handle(request: RelatedThreadRequest): Promise<void> {
  try {
    switch (request.op) {
      case 'init': {
        // Reads the store's state only; a store that must be filled first is filled in the
        // background, like a full recompute.
        const rebuilding = await engine.init(request.nowUtc);
        send({ type: 'reply', id: request.id, changed: [], rebuilding });
        if (rebuilding) enqueue(() => rebuild(request.nowUtc));
        return;
      }
      case 'sync': {
        const changed = await engine.sync(request.nowUtc);
        const rebuilding = await engine.rebuildDue(request.nowUtc);
        // The reply leaves first: the sync's caller carries on while the recompute runs here.
        send({ type: 'reply', id: request.id, changed, rebuilding });
        if (rebuilding) enqueue(() => rebuild(request.nowUtc));
        return;
      }
      case 'reweigh':
        send({ type: 'reweighed', id: request.id, outcome: await engine.reweigh(request.nowUtc) });
        return;
      case 'close':
        await db.close();
        send({ type: 'reply', id: request.id, changed: [], rebuilding: false });
        port.close();
        return;
    }
  } catch (error) {
    send({
      type: 'failed',
      id: request.id,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}

port.on('message', (request: RelatedThreadRequest) => enqueue(() => handle(request)));
