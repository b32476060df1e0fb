import { RANKING_VERSION, RelatedIndex, type RelatedEntry } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import * as repo from './related.repository';

export interface RelatedPostsEngineOptions {
  /** Related posts kept per post (1..10). */
  k: number;
  /**
   * A full recompute is due once this long has passed since the last one and the index changed
   * since; 0 leaves only the size and churn rules (see `rebuildDue`).
   */
  rebuildIntervalMs: number;
  /** Passed to RelatedIndex: the size up to which the index recomputes itself as it grows. */
  rebuildWhileBelow?: number;
}

export interface RebuildOutcome {
  /** Posts whose stored list the recompute changed (persisted already). */
  changed: string[];
  posts: number;
  durationMs: number;
}

/**
 * The related-posts index and its persistence, in whichever thread owns it (see
 * related-posts.maintainer.ts): the index lives in memory, every change to the stored lists is
 * written under the maintenance lock. Every method takes the time as an ISO string, so the
 * caller's clock is the only one.
 */
export interface RelatedPostsEngine {
  init(nowUtc: string): Promise<void>;
  /** Applies every change since the last sync; returns the posts whose list changed. */
  sync(nowUtc: string): Promise<string[]>;
  /** Whether a full recompute is due now (checked after each sync). */
  rebuildDue(nowUtc: string): boolean;
  /** Full recompute of the index; persists and returns the lists that changed. */
  rebuild(nowUtc: string): Promise<RebuildOutcome>;
}

// Changes are found by their outbox rows' creation time. Ingest instances stamp those with their
// own clocks and commit in any order, so each sync looks this far behind its last one; re-applying
// a change is harmless because a post is always re-read in its current state. The same replay is
// what keeps changes made during a full recompute: the recompute runs between two syncs, on the
// index as the last one left it, and the next sync reads everything since that one.
const OVERLAP_MS = 10_000;

// Edits and removals since the last full recompute, as a share of the posts, that make one due.
// `RelatedIndex.rebuildRecommended` only watches the size; an edit keeps its old feedback posts
// and a removal leaves its words in the expansions of others, so churn drifts lists too. A quarter,
// the same proportion as the index's own growth rule.
const CHURN_REBUILD_SHARE = 0.25;

export function createRelatedPostsEngine(db: Db, options: RelatedPostsEngineOptions): RelatedPostsEngine {
  const index = new RelatedIndex({ k: options.k, rebuildWhileBelow: options.rebuildWhileBelow });
  let syncedUntil = 0;
  // Epoch ms of the last full recompute (any instance's, as persisted, until this one does its own).
  let rebuiltAt: number | undefined;
  // Edits and removals applied since the last full recompute.
  let churn = 0;
  // Whether the index changed since the last full recompute (after a restart: unknown, so yes).
  let dirty = true;

  return {
    async init(nowUtc) {
      const docs = await repo.findVisibleDocuments(db.kysely, nowUtc);
      // Lists that another version of the ranking computed (an upgrade) are not adopted: they
      // would be kept as they are, with scores on another scale, until each post changes.
      const sameRanking = (await repo.findRankingVersion(db.kysely)) === RANKING_VERSION;
      const stored = sameRanking ? await repo.findStoredRelatedLists(db.kysely) : new Map<string, RelatedEntry[]>();
      // Stored lists are adopted; posts without a usable one (new store, imported while no worker
      // ran) are ranked now and saved. An empty store is a full recompute.
      const { changed } = index.load(docs, stored);
      const recomputed = stored.size === 0;
      await db.kysely.transaction().execute(async (trx) => {
        await repo.takeMaintenanceLock(trx, nowUtc);
        if (!sameRanking) await repo.deleteAllRelatedLists(trx);
        await repo.replaceRelatedLists(trx, changed);
        if (recomputed) await repo.recordRebuild(trx, nowUtc);
        await repo.recordRankingVersion(trx, RANKING_VERSION, nowUtc);
      });
      rebuiltAt = recomputed ? Date.parse(nowUtc) : await repo.findLastRebuild(db.kysely);
      dirty = !recomputed;
      churn = 0;
      // Changes made while no worker ran are replayed by the first sync, from the last one any
      // instance completed.
      syncedUntil = (await repo.findLastSync(db.kysely)) ?? 0;
    },

    async sync(nowUtc) {
      const at = Date.parse(nowUtc);
      const changed = new Map<string, RelatedEntry[]>();
      await db.kysely.transaction().execute(async (trx) => {
        await repo.takeMaintenanceLock(trx, nowUtc);
        const since = new Date(syncedUntil - OVERLAP_MS).toISOString();
        const ids = await repo.findPostIdsChangedSince(trx, since, nowUtc);
        const visible = new Map((await repo.findVisibleDocuments(trx, nowUtc, ids)).map((d) => [d.id, d]));
        for (const id of ids) {
          const doc = visible.get(id);
          if (doc) {
            const known = index.has(id);
            const update = index.upsert(doc).changed;
            // An unchanged post (a replayed change) reports nothing.
            if (update.size > 0) {
              dirty = true;
              if (known) churn++;
            }
            for (const [postId, list] of update) changed.set(postId, list);
          } else if (index.has(id)) {
            for (const [postId, list] of index.remove(id).changed) changed.set(postId, list);
            // A post that left (deleted, drafted) keeps no list of its own.
            changed.set(id, []);
            dirty = true;
            churn++;
          }
        }
        await repo.replaceRelatedLists(trx, changed);
        await repo.recordSync(trx, nowUtc);
      });
      syncedUntil = at;
      return [...changed.keys()];
    },

    rebuildDue(nowUtc) {
      if (index.size === 0) return false;
      if (index.rebuildRecommended) return true;
      if (churn >= Math.max(1, index.size * CHURN_REBUILD_SHARE)) return true;
      if (options.rebuildIntervalMs <= 0 || !dirty) return false;
      return rebuiltAt === undefined || Date.parse(nowUtc) - rebuiltAt >= options.rebuildIntervalMs;
    },

    async rebuild(nowUtc) {
      const started = performance.now();
      // Synchronous: whatever thread runs this is busy until it returns (hence a thread of its own).
      const { changed } = index.rebuild();
      await db.kysely.transaction().execute(async (trx) => {
        await repo.takeMaintenanceLock(trx, nowUtc);
        await repo.replaceRelatedLists(trx, changed);
        await repo.recordRebuild(trx, nowUtc);
      });
      rebuiltAt = Date.parse(nowUtc);
      churn = 0;
      dirty = false;
      return { changed: [...changed.keys()], posts: index.size, durationMs: performance.now() - started };
    },
  };
}
