import { RelatedIndex, type RelatedEntry } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import * as repo from './related.repository';

export interface RelatedPostsMaintainerDeps {
  db: Db;
  /** Related posts kept per post (1..10). */
  k: number;
  now?: () => Date;
}

export interface RelatedPostsMaintainer {
  /** Loads every visible post into the index, and the stored lists as they are. */
  init(): Promise<void>;
  /**
   * Brings the index and the stored lists up to date with every change since the last sync and
   * returns the ids of the posts whose related list changed (their feeds need refreshing).
   */
  sync(): Promise<string[]>;
}

// Changes are found by their outbox rows' creation time. Ingest instances stamp those with their
// own clocks and commit in any order, so each sync looks this far behind its last one; re-applying
// a change is harmless because a post is always re-read in its current state.
const OVERLAP_MS = 10_000;

/**
 * Keeps `related_posts` current incrementally: each change re-ranks only the posts it can affect
 * (see RelatedIndex), never the whole store, so reading a feed never ranks.
 */
export function createRelatedPostsMaintainer(deps: RelatedPostsMaintainerDeps): RelatedPostsMaintainer {
  const now = deps.now ?? (() => new Date());
  const index = new RelatedIndex({ k: deps.k });
  let syncedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  async function syncOnce(): Promise<string[]> {
    const at = now();
    const nowUtc = at.toISOString();
    const changed = new Map<string, RelatedEntry[]>();
    await deps.db.kysely.transaction().execute(async (trx) => {
      await repo.takeMaintenanceLock(trx, nowUtc);
      const since = new Date(syncedUntil - OVERLAP_MS).toISOString();
      const ids = await repo.findPostIdsChangedSince(trx, since, nowUtc);
      const visible = new Map((await repo.findVisibleDocuments(trx, nowUtc, ids)).map((d) => [d.id, d]));
      for (const id of ids) {
        const doc = visible.get(id);
        if (doc) {
          for (const [postId, list] of index.upsert(doc).changed) changed.set(postId, list);
        } else if (index.has(id)) {
          for (const [postId, list] of index.remove(id).changed) changed.set(postId, list);
          // A post that left (deleted, drafted) keeps no list of its own.
          changed.set(id, []);
        }
      }
      await repo.replaceRelatedLists(trx, changed);
      await repo.recordSync(trx, nowUtc);
    });
    syncedUntil = at.getTime();
    return [...changed.keys()];
  }

  return {
    async init() {
      const nowUtc = now().toISOString();
      const docs = await repo.findVisibleDocuments(deps.db.kysely, nowUtc);
      const stored = await repo.findStoredRelatedLists(deps.db.kysely);
      // Stored lists are adopted; posts without a usable one (new store, imported while no worker
      // ran) are ranked now and saved.
      const { changed } = index.load(docs, stored);
      await deps.db.kysely.transaction().execute(async (trx) => {
        await repo.takeMaintenanceLock(trx, nowUtc);
        await repo.replaceRelatedLists(trx, changed);
      });
      // Changes made while no worker ran are replayed by the first sync, from the last one any
      // instance completed.
      syncedUntil = (await repo.findLastSync(deps.db.kysely)) ?? 0;
    },
    sync() {
      // One sync at a time in this process; other instances wait on the database lock.
      const next = queue.then(syncOnce, syncOnce);
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
