import { RANKING_VERSION, type RelatedEntry } from '@careerfeed/core/related';
import type { Db } from '@careerfeed/db';
import { RelatedStore } from '@careerfeed/posts/related';
import * as repo from './related.repository';

export interface RelatedPostsEngineOptions {
  /** Related posts kept per post (1..10). */
  k: number;
  /**
   * Every post is re-weighed (`reweigh`) at least once in this time, at a steady pace; 0 leaves
   * only the re-weighs that growth or shrinkage of the store makes due.
   */
  rebuildIntervalMs: number;
  /** Posts per transaction of a fill or full recompute. Default 200. */
  pageSize?: number;
  /** Most posts one re-weigh round takes. Default 50. */
  reweighBatchPosts?: number;
  /** A re-weigh round starts no post after this long (ms). Default 250. */
  reweighBudgetMs?: number;
}

export interface ReweighOutcome {
  /** Posts whose stored list the round changed (persisted already). */
  changed: string[];
  /** Posts the round re-weighed. */
  reweighed: number;
  /** Whether posts are left that are due now: the next round should follow soon. */
  more: boolean;
  durationMs: number;
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
  /**
   * Whether a fill and full recompute is due now (checked after each sync): only for a store
   * that must be (re)filled (see `init`) or whose fill another instance abandoned. Drift from
   * growth, edits and time is the rolling re-weigh's (`reweigh`).
   */
  rebuildDue(nowUtc: string): Promise<boolean>;
  /**
   * Full recompute of the store in pages (a fill first when `init` said so); persists and
   * returns the lists that changed.
   */
  rebuild(nowUtc: string): Promise<RebuildOutcome>;
  /**
   * One round of the rolling re-weigh, in one transaction under the maintenance lock: re-weighs
   * the stalest posts that are due (see below), at most `reweighBatchPosts`, starting none after
   * `reweighBudgetMs`; persists the lists that changed and returns them. Does nothing while the
   * store is being filled.
   */
  reweigh(nowUtc: string): Promise<ReweighOutcome>;
}

// Changes are found by their outbox rows' creation time. Ingest instances stamp those with their
// own clocks and commit in any order, so each sync looks this far behind its last one; re-applying
// a change is harmless because a post is always re-read in its current state. The same replay is
// what keeps changes made during a full recompute: the recompute runs between two syncs, and the
// next sync reads everything since the last one.
const OVERLAP_MS = 10_000;

// The rolling re-weigh (issue 16) replaces the periodic full recompute. A post's vectors are fixed
// when it is weighed: its IDF by the post count and term statistics of then, its expansion by its
// feedback posts of then (an edit keeps others' expansions of its old text, a removal leaves its
// words in them). Re-weighing a post is an upsert of it as it is (RelatedStore.reweighStalest), so
// re-weighing every post in turn, stalest first, brings the store back to a full recompute's
// lists (two passes give them exactly; tests/related/rolling-reweigh.test.ts) in rounds of tens of
// milliseconds that a sync waits for at most one of. A post is due
// - at a steady pace: posts × elapsed / interval of the stalest ones, so that each is re-weighed
//   once per interval and the work spreads evenly over it (the pace is shared by every worker:
//   the time it has reached is stored, so two workers do not re-weigh twice as many);
// - when it was weighed longer ago than the interval (the pace fell behind: rounds cut short);
// - when the store has grown or shrunk by REWEIGH_GROWTH since it was weighed (IDF drift): then
//   rounds follow each other until none is left.
const REWEIGH_GROWTH = 1.25;
// The store's size is noted (with the time) once it moved this much since the last note: the
// sizes a post was weighed at are known to this precision.
const SIZE_LOG_STEP = 0.05;
const DEFAULT_REWEIGH_BATCH_POSTS = 50;
const DEFAULT_REWEIGH_BUDGET_MS = 250;

// A fill or recompute marks the store; another worker that finds the mark older than this takes
// the work over (the one that set it died).
const STALE_FILL_MS = 10 * 60_000;

const DEFAULT_PAGE_SIZE = 200;

export function createRelatedPostsEngine(db: Db, options: RelatedPostsEngineOptions): RelatedPostsEngine {
  const store = new RelatedStore({ k: options.k });
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const batchPosts = options.reweighBatchPosts ?? DEFAULT_REWEIGH_BATCH_POSTS;
  const budgetMs = options.reweighBudgetMs ?? DEFAULT_REWEIGH_BUDGET_MS;
  let syncedUntil = 0;
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
            // An unchanged post (a replayed change) reports nothing.
            for (const [postId, list] of (await store.upsert(trx, doc, nowUtc)).changed) changed.set(postId, list);
          } else if (await store.has(trx, id)) {
            for (const [postId, list] of (await store.remove(trx, id, nowUtc)).changed) changed.set(postId, list);
            // A post that left (deleted, drafted) keeps no list of its own.
            changed.set(id, []);
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
      const { filling, updatedAt } = await store.state(db.kysely);
      if (filling) {
        // Another instance's fill or recompute that stopped long ago (that instance died): this
        // one starts it again.
        fillNeeded = updatedAt !== undefined && Date.parse(nowUtc) - Date.parse(updatedAt) > STALE_FILL_MS;
        return fillNeeded;
      }
      return false;
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

    async reweigh(nowUtc) {
      const started = performance.now();
      const now = Date.parse(nowUtc);
      const interval = options.rebuildIntervalMs;
      const changed = new Map<string, RelatedEntry[]>();
      const done = (reweighed: number, more: boolean): ReweighOutcome => ({
        changed: [...changed.keys()],
        reweighed,
        more,
        durationMs: performance.now() - started,
      });
      if (fillNeeded) return done(0, false);
      return locked(nowUtc, async (trx) => {
        // The budget counts from here: waiting for the lock (another worker's round) is not work.
        const deadline = performance.now() + budgetMs;
        const { posts, filling } = await store.state(trx);
        if (filling || posts === 0) return done(0, false);
        const state = await repo.findReweighState(trx);
        // The pace: what the time since the pace's mark owes, never more than a whole pass.
        let paceAt = interval > 0 ? Math.max(state?.paceAt ?? now, now - interval) : (state?.paceAt ?? now);
        const owed = interval > 0 ? Math.floor((posts * (now - paceAt)) / interval) : 0;
        const sizes = noteSize(state?.sizes ?? [], now, posts, interval);
        let weighedBefore = driftCutoff(sizes, posts);
        if (interval > 0) weighedBefore = Math.max(weighedBefore ?? 0, now - interval);
        const round = await store.reweighStalest(trx, nowUtc, batchPosts, {
          atLeast: owed,
          weighedBefore: weighedBefore === undefined ? undefined : new Date(weighedBefore).toISOString(),
          deadline,
        });
        for (const [id, list] of round.changed) changed.set(id, list);
        await repo.replaceRelatedLists(trx, changed);
        // The mark moves by the posts the pace took, so that a round cut short leaves the rest owed.
        if (owed > 0) paceAt += (Math.min(round.reweighed, owed) * interval) / posts;
        // Unchanged state is not written again (a round every few seconds on a quiet store).
        if (paceAt !== state?.paceAt || JSON.stringify(sizes) !== JSON.stringify(state.sizes))
          await repo.recordReweighState(trx, { paceAt, sizes }, nowUtc);
        const overdue =
          round.stalestLeft !== undefined &&
          weighedBefore !== undefined &&
          Date.parse(round.stalestLeft) < weighedBefore;
        return done(round.reweighed, round.reweighed < owed || overdue);
      });
    },
  };

  /**
   * The store's size log with `posts` noted at `now` when it moved by SIZE_LOG_STEP since the last
   * note; notes older than the interval are dropped but the last of them (posts weighed before the
   * interval are due anyway, and the sizes after it are what the rest were weighed at).
   */
  function noteSize(sizes: repo.SizeNote[], now: number, posts: number, interval: number): repo.SizeNote[] {
    const last = sizes[sizes.length - 1];
    const noted =
      last === undefined || Math.abs(posts / last.posts - 1) >= SIZE_LOG_STEP ? [...sizes, { at: now, posts }] : sizes;
    if (interval <= 0) return noted.slice(-64);
    const firstRecent = noted.findIndex((note) => note.at >= now - interval);
    if (firstRecent === -1) return noted.slice(-1);
    return firstRecent === 0 ? noted : noted.slice(firstRecent - 1);
  }

  /**
   * The time before which a post was weighed when the store was REWEIGH_GROWTH larger or smaller
   * than `posts`: the end of the last note that differs that much (its size held until the next
   * note). Undefined when no note does.
   */
  function driftCutoff(sizes: repo.SizeNote[], posts: number): number | undefined {
    for (let i = sizes.length - 1; i >= 0; i--) {
      const then = sizes[i]!.posts;
      if (posts > then * REWEIGH_GROWTH || posts < then / REWEIGH_GROWTH) return sizes[i + 1]?.at;
    }
    return undefined;
  }

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
      // Every post was weighed just now: the re-weigh's pace and size log start from here.
      await repo.recordReweighState(
        trx,
        { paceAt: Date.parse(nowUtc), sizes: [{ at: Date.parse(nowUtc), posts }] },
        nowUtc,
      );
      await repo.recordRankingVersion(trx, RANKING_VERSION, nowUtc);
    });
    fillNeeded = false;
    return { changed, posts, durationMs: performance.now() - started };
  }
}
