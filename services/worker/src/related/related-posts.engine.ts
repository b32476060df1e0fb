import { RANKING_VERSION, type RelatedEntry } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import { RelatedStore } from '@careerfeed/posts';
import * as repo from './related.repository';

export interface RelatedPostsEngineOptions {
  /** Related posts kept per post (1..10). */
  k: number;
  /**
   * A full recompute is due once this long has passed since the last one and the index changed
   * since; 0 leaves only the size and churn rules (see `rebuildDue`).
   */
  rebuildIntervalMs: number;
  /** Posts per transaction of a fill or full recompute. Default 200. */
  pageSize?: number;
}

export interface RebuildOutcome {
  /** Posts whose stored list the recompute changed (persisted already). */
  changed: string[];
  posts: number;
  durationMs: number;
}

/**
 * The related-posts index's maintenance, in whichever thread runs it (see
 * related-posts.maintainer.ts). The index itself is in the database (RelatedStore, migration
 * 0019), shared by every worker: nothing is loaded at start, and each change is applied to the
 * store and to the stored lists in one transaction under the maintenance lock. Every method
 * takes the time as an ISO string, so the caller's clock is the only one.
 */
export interface RelatedPostsEngine {
  /**
   * Reads the store's state; true when the store must be (re)filled from the posts first (empty
   * while posts exist, built by another ranking version or k, or a fill left unfinished): run
   * `rebuild` then. Reads nothing else.
   */
  init(nowUtc: string): Promise<boolean>;
  /** Applies every change since the last sync; returns the posts whose list changed. */
  sync(nowUtc: string): Promise<string[]>;
  /** Whether a full recompute is due now (checked after each sync). */
  rebuildDue(nowUtc: string): Promise<boolean>;
  /**
   * Full recompute of the store in pages (a fill first when `init` said so); persists and
   * returns the lists that changed.
   */
  rebuild(nowUtc: string): Promise<RebuildOutcome>;
}

// Changes are found by their outbox rows' creation time. Ingest instances stamp those with their
// own clocks and commit in any order, so each sync looks this far behind its last one; re-applying
// a change is harmless because a post is always re-read in its current state. The same replay is
// what keeps changes made during a full recompute: the recompute runs between two syncs, and the
// next sync reads everything since the last one.
const OVERLAP_MS = 10_000;

// Edits and removals since the last full recompute, as a share of the posts, that make one due.
// An edit keeps its old feedback posts and a removal leaves its words in the expansions of
// others, so churn drifts lists from a recompute, as growth does.
const CHURN_REBUILD_SHARE = 0.25;
// Growth or shrinkage since the last full recompute that makes one due (IDF drift).
const REBUILD_GROWTH = 1.25;

// A fill or recompute marks the store; another worker that finds the mark older than this takes
// the work over (the one that set it died).
const STALE_FILL_MS = 10 * 60_000;

const DEFAULT_PAGE_SIZE = 200;

export function createRelatedPostsEngine(db: Db, options: RelatedPostsEngineOptions): RelatedPostsEngine {
  const store = new RelatedStore({ k: options.k });
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let syncedUntil = 0;
  // Edits and removals this instance applied since the last full recompute.
  let churn = 0;
  // Whether the store must be filled from the posts table before it can be used.
  let fillNeeded = false;

  async function needsFill(nowUtc: string): Promise<boolean> {
    const meta = await db.kysely.selectFrom('related_store_meta').selectAll().executeTakeFirst();
    if (meta === undefined) return (await repo.countVisiblePosts(db.kysely, nowUtc)) > 0;
    if (meta.ranking_version !== RANKING_VERSION || meta.k !== options.k) return true;
    return meta.filling === 1 && Date.parse(nowUtc) - Date.parse(meta.updated_at) > STALE_FILL_MS;
  }

  /** Runs `work` in one transaction under the maintenance lock. */
  function locked<T>(nowUtc: string, work: (trx: typeof db.kysely) => Promise<T>): Promise<T> {
    return db.kysely.transaction().execute(async (trx) => {
      await repo.takeMaintenanceLock(trx, nowUtc);
      return work(trx);
    });
  }

  /** Every post visible now, added unranked, a page at a time (the store is marked filling). */
  async function fill(nowUtc: string, stamp: () => string): Promise<void> {
    await locked(nowUtc, (trx) => store.reset(trx, nowUtc, true));
    // The fill reads every post as it is from now on: the next sync needs to replay only what
    // changes from here (what changed before is in the pages it reads).
    syncedUntil = Date.parse(nowUtc);
    let after: string | undefined;
    for (;;) {
      const docs = await repo.findVisibleDocumentsPage(db.kysely, nowUtc, after, pageSize);
      if (docs.length === 0) break;
      const at = stamp();
      await locked(at, (trx) => store.addUnranked(trx, docs, at));
      after = docs[docs.length - 1]!.id;
    }
  }

  /** The store's lists written to related_posts where they differ; returns those posts. */
  async function publishLists(nowUtc: string): Promise<string[]> {
    const changed: string[] = [];
    let after = -1;
    for (;;) {
      const { lists, lastSlot } = await store.listsPage(db.kysely, after, pageSize * 5);
      if (lastSlot === undefined) break;
      await locked(nowUtc, async (trx) => {
        const stored = await repo.findStoredRelatedLists(trx, [...lists.keys()]);
        const differing = new Map<string, RelatedEntry[]>();
        for (const [id, list] of lists) {
          const before = stored.get(id) ?? [];
          if (before.length !== list.length || before.some((entry, i) => entry.id !== list[i]!.id)) {
            differing.set(id, list);
          }
        }
        await repo.replaceRelatedLists(trx, differing);
        changed.push(...differing.keys());
      });
      after = lastSlot;
    }
    return changed;
  }

  return {
    async init(nowUtc) {
      fillNeeded = await needsFill(nowUtc);
      churn = 0;
      // Changes made while no worker ran are replayed by the first sync, from the last one any
      // instance completed.
      syncedUntil = (await repo.findLastSync(db.kysely)) ?? 0;
      return fillNeeded;
    },

    async sync(nowUtc) {
      const at = Date.parse(nowUtc);
      const changed = new Map<string, RelatedEntry[]>();
      const applied = await locked(nowUtc, async (trx) => {
        // Another instance is filling or recomputing the store: its changes wait for the next
        // sync after that (this instance's `syncedUntil` stays where it was).
        if ((await store.state(trx)).filling) return false;
        const since = new Date(syncedUntil - OVERLAP_MS).toISOString();
        const ids = await repo.findPostIdsChangedSince(trx, since, nowUtc);
        const visible = new Map((await repo.findVisibleDocuments(trx, nowUtc, ids)).map((d) => [d.id, d]));
        for (const id of ids) {
          const doc = visible.get(id);
          if (doc) {
            const known = await store.has(trx, id);
            const update = (await store.upsert(trx, doc, nowUtc)).changed;
            // An unchanged post (a replayed change) reports nothing.
            if (update.size > 0 && known) churn++;
            for (const [postId, list] of update) changed.set(postId, list);
          } else if (await store.has(trx, id)) {
            for (const [postId, list] of (await store.remove(trx, id, nowUtc)).changed) changed.set(postId, list);
            // A post that left (deleted, drafted) keeps no list of its own.
            changed.set(id, []);
            churn++;
          }
        }
        await repo.replaceRelatedLists(trx, changed);
        await repo.recordSync(trx, nowUtc);
        return true;
      });
      if (applied) syncedUntil = at;
      return [...changed.keys()];
    },

    async rebuildDue(nowUtc) {
      if (fillNeeded) return true;
      const { posts, filling, updatedAt } = await store.state(db.kysely);
      if (filling) {
        // Another instance's fill or recompute that stopped long ago (that instance died): this
        // one starts it again.
        fillNeeded = updatedAt !== undefined && Date.parse(nowUtc) - Date.parse(updatedAt) > STALE_FILL_MS;
        return fillNeeded;
      }
      if (posts === 0) return false;
      const last = await repo.findLastRebuildState(db.kysely);
      const base = Math.max(last?.posts ?? 0, 1);
      if (posts > base * REBUILD_GROWTH || posts < base / REBUILD_GROWTH) return true;
      if (churn >= Math.max(1, posts * CHURN_REBUILD_SHARE)) return true;
      if (options.rebuildIntervalMs <= 0) return false;
      if (last === undefined) return true;
      // Only a store that changed since: the interval alone does not recompute again.
      const changedSince = updatedAt !== undefined && Date.parse(updatedAt) > last.at;
      return changedSince && Date.parse(nowUtc) - last.at >= options.rebuildIntervalMs;
    },

    async rebuild(nowUtc) {
      try {
        return await recompute(nowUtc);
      } catch (error) {
        // The store is left marked as filling, half rebuilt: the next chance starts over from the
        // posts.
        fillNeeded = true;
        throw error;
      }
    },
  };

  async function recompute(startUtc: string): Promise<RebuildOutcome> {
    const started = performance.now();
    // Each page stamps the store with the caller's time plus the time elapsed since: a fill that
    // still advances never looks abandoned to another instance (STALE_FILL_MS).
    const stamp = () => new Date(Date.parse(startUtc) + (performance.now() - started)).toISOString();
    const nowUtc = startUtc;
    if (fillNeeded) await fill(nowUtc, stamp);
    await locked(nowUtc, (trx) => store.beginRecompute(trx, nowUtc));
    // Each phase over every page before the next: expansions need every base vector, links
    // every ranked vector of the posts before them.
    for (const phase of ['weigh', 'expand', 'link'] as const) {
      let after: number | undefined = -1;
      while (after !== undefined) {
        const from: number = after;
        const at = stamp();
        after = await locked(at, (trx) => store.recomputePhase(trx, phase, from, pageSize, at));
      }
    }
    const changed = await publishLists(nowUtc);
    const { posts } = await store.state(db.kysely);
    await locked(nowUtc, async (trx) => {
      await store.finishFill(trx, nowUtc);
      await repo.recordRebuild(trx, nowUtc, posts);
      await repo.recordRankingVersion(trx, RANKING_VERSION, nowUtc);
    });
    fillNeeded = false;
    churn = 0;
    return { changed, posts, durationMs: performance.now() - started };
  }
}
