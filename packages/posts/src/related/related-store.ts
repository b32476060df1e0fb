import {
  analyzeDocument,
  bestOf,
  expandWithFeedback,
  FEEDBACK_POSTS,
  FEEDBACK_QUERY_FEATURES,
  type FeatureVector,
  type FieldCounts,
  FIELDS,
  forEachDistinctTerm,
  heaviestFeatures,
  listThreshold,
  MAX_TITLE_TERM_CONTRIBUTION,
  offerToList,
  type PostFields,
  PostingList,
  PostingsWalk,
  RANKING_VERSION,
  type Ranked,
  type RelatedDocument,
  type RelatedEntry,
  SAME_CATEGORY_FACTOR,
  sameFields,
  TermAnalyzer,
  termSpecificity,
  toFieldCounts,
  validateCount,
  validateDocument,
  weighFeatures,
} from '@careerfeed/core/related';
import type { Database, Kysely } from '@careerfeed/db';
import * as repo from './related-store.repository';

type Executor = Kysely<Database>;

/**
 * The related-posts index kept in the database instead of in a worker's memory (issue 16), so
 * that every worker uses one index, a worker starts without loading anything, and its memory does
 * not grow with the posts. It runs the same steps as core's in-memory `RelatedIndex` (the shared
 * pure functions of core's ranking.ts and vectors.ts) and gives the same lists for the same
 * sequence of changes; only where the state lives differs.
 *
 * Each operation reads what it needs (the statistics of the post's terms, the posting lists of
 * its features, the categories and list thresholds of the posts it scores against, the lists of
 * the posts it may enter), works on that in memory, and writes back what changed, all in the
 * caller's transaction: run it under the maintenance lock (one writer at a time), and nothing
 * outlives the operation, so a second worker's changes are always seen.
 */

const BASE = 0;
const RANKED = 1;
// Slots per page of categories and thresholds: a candidate walk at 100,000 posts touches most
// pages, so pages are large (12 KB) and few rather than one row per post.
export const SLOTS_PER_PAGE = 1024;
const NO_CATEGORY = -1;

const EMPTY_VECTOR: FeatureVector = { features: new Int32Array(0), weights: new Float32Array(0) };

// ---- packing (little-endian, as typed arrays are on every platform Node runs on) ----

function bytesOf(...arrays: ArrayBufferView[]): Uint8Array {
  let length = 0;
  for (const a of arrays) length += a.byteLength;
  const out = Buffer.alloc(length);
  let at = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** A copy on an aligned buffer of its own (drivers hand out views into shared pools). */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

export function packVector(vector: FeatureVector): Uint8Array {
  return bytesOf(vector.features, vector.weights);
}

export function unpackVector(bytes: Uint8Array): FeatureVector {
  const n = bytes.byteLength / 8;
  const buffer = alignedCopy(bytes);
  return { features: new Int32Array(buffer, 0, n), weights: new Float32Array(buffer, n * 4, n) };
}

function packFields(fields: PostFields): Uint8Array {
  const lengths = Int32Array.from(fields, (f) => f.terms.length);
  return bytesOf(lengths, ...fields.flatMap((f) => [f.terms, f.counts]));
}

function unpackFields(bytes: Uint8Array): PostFields {
  const buffer = alignedCopy(bytes);
  const lengths = new Int32Array(buffer, 0, FIELDS);
  let at = FIELDS * 4;
  const field = (n: number): FieldCounts => {
    const terms = new Int32Array(buffer, at, n);
    const counts = new Float32Array(buffer, at + n * 4, n);
    at += n * 8;
    return { terms, counts };
  };
  return [field(lengths[0]!), field(lengths[1]!), field(lengths[2]!)];
}

function packPostings(list: PostingList): Uint8Array {
  return bytesOf(list.slots.subarray(0, list.length), list.weights.subarray(0, list.length));
}

function unpackPostings(bytes: Uint8Array): PostingList {
  const n = bytes.byteLength / 8;
  const buffer = alignedCopy(bytes);
  return PostingList.of(new Int32Array(buffer, 0, n), new Float32Array(buffer, n * 4, n), n);
}

// ---- the working set of one operation ----

interface Neighbor extends Ranked {
  readonly slot: number;
}

interface StoredPost {
  readonly id: string;
  readonly slot: number;
  categoryId: number;
  fields: PostFields;
  base: FeatureVector;
  vector: FeatureVector;
  list: Neighbor[];
  complete: boolean;
  weighedAt: string;
  /** The first k ids of `list` when the operation first read it. */
  readonly before: string[];
  /** The list and `complete` as stored (empty and true for a new post): what flush compares with. */
  readonly storedList: readonly Neighbor[];
  readonly storedComplete: boolean;
  removed: boolean;
  /** Fields, vectors, category or weighing changed: the whole row is written. */
  dirty: boolean;
  listDirty: boolean;
}

/** Scored candidates of a walk: `count` slots and their scores (category factor included). */
interface Candidates {
  readonly slots: Int32Array;
  readonly scores: Float64Array;
  readonly count: number;
}

// Candidates at or above a cut read as whole posts (with the posts read anyway) rather than as
// ids alone (a statement of their own); more only when many scores tie.
const MAX_KEPT_READ_WHOLE = 24;

interface Term {
  readonly id: number;
  readonly text: string;
  documentFrequency: number;
  collectionFrequency: number;
  dirty: boolean;
}

interface SlotPage {
  readonly categories: Int32Array;
  readonly thresholds: Float64Array;
  dirty: boolean;
}

export interface RelatedStoreOptions {
  /** Related posts per post, 1 to 10. Default 3. */
  k?: number;
}

export interface StoreUpdate {
  /** As `RelatedIndex`'s `changed`: every post whose first k ids changed, with its new list. */
  changed: Map<string, RelatedEntry[]>;
  /** Posting entries read by the operation (work, independent of load). */
  postingsRead: number;
}

/**
 * One operation on the store: loads lazily, caches for the length of the operation only, and
 * writes back what it changed in `flush`.
 */
class Operation {
  private readonly posts = new Map<number, StoredPost>();
  private readonly postsById = new Map<string, StoredPost>();
  private readonly termsByText = new Map<string, Term>();
  private readonly termsById = new Map<number, Term>();
  private readonly postings = [new Map<number, PostingList>(), new Map<number, PostingList>()];
  private readonly dirtyPostings = [new Set<number>(), new Set<number>()];
  private readonly pages = new Map<number, SlotPage>();
  private readonly removedSlots: number[] = [];
  private readonly categoryIds = new Map<string, number>();
  /** Ids known not to be in the store (until added in this operation: postsById is asked first). */
  private readonly absentIds = new Set<string>();
  /** Ids of candidates read without their posts (see loadForBest). */
  private readonly candidateIds = new Map<number, string>();

  constructor(
    private readonly db: Executor,
    private readonly meta: repo.StoreMeta,
    private readonly k: number,
    private readonly nowUtc: string,
    private readonly walk: PostingsWalk,
  ) {}

  private get capacity(): number {
    return 2 * this.k;
  }

  // ---- terms ----

  /** Loads the terms named by `texts`, creating (with zero counts) those the store lacks. */
  async termsNamed(texts: Iterable<string>): Promise<void> {
    const missing = [...new Set(texts)].filter((t) => !this.termsByText.has(t));
    for (const row of await repo.findTermsByText(this.db, missing)) this.cacheTerm(row, false);
    for (const text of missing) {
      if (this.termsByText.has(text)) continue;
      this.cacheTerm(
        { term_id: this.meta.next_term_id++, term: text, document_frequency: 0, collection_frequency: 0 },
        true,
      );
    }
  }

  async termsWithIds(ids: Iterable<number>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.termsById.has(id));
    for (const row of await repo.findTermsById(this.db, missing)) this.cacheTerm(row, false);
  }

  private cacheTerm(row: repo.TermRow, dirty: boolean): void {
    const term: Term = {
      id: row.term_id,
      text: row.term,
      documentFrequency: row.document_frequency,
      collectionFrequency: row.collection_frequency,
      dirty,
    };
    this.termsByText.set(term.text, term);
    this.termsById.set(term.id, term);
  }

  termId(text: string): number {
    return this.termsByText.get(text)!.id;
  }

  private term(id: number): Term {
    const term = this.termsById.get(id);
    if (term === undefined) throw new Error(`related store: term ${id} is not loaded`);
    return term;
  }

  termText(id: number): string {
    return this.term(id).text;
  }

  countTerms(fields: PostFields, by: 1 | -1): void {
    for (const { terms, counts } of fields) {
      for (let i = 0; i < terms.length; i++) {
        const term = this.term(terms[i]!);
        term.collectionFrequency += by * counts[i]!;
        term.dirty = true;
      }
    }
    forEachDistinctTerm(fields, (id) => {
      const term = this.term(id);
      term.documentFrequency += by;
      term.dirty = true;
    });
  }

  weigh(fields: PostFields): FeatureVector {
    const documents = this.meta.posts;
    return weighFeatures(
      fields,
      (id) => {
        const term = this.term(id);
        return termSpecificity(term.documentFrequency, term.collectionFrequency, documents);
      },
      (id) => this.termText(id),
    );
  }

  // ---- categories and slot pages ----

  async categoryId(category: string | null): Promise<number> {
    if (category === null) return NO_CATEGORY;
    let id = this.categoryIds.get(category) ?? (await repo.findCategoryId(this.db, category));
    if (id === undefined) {
      id = this.meta.next_category_id++;
      await repo.insertCategory(this.db, category, id);
    }
    this.categoryIds.set(category, id);
    return id;
  }

  async loadPages(slots: ArrayLike<number>, count = slots.length): Promise<void> {
    const wanted = new Set<number>();
    for (let i = 0; i < count; i++) {
      const page = Math.floor(slots[i]! / SLOTS_PER_PAGE);
      if (!this.pages.has(page)) wanted.add(page);
    }
    if (wanted.size === 0) return;
    for (const row of await repo.findSlotPages(this.db, [...wanted])) {
      this.adoptPage(row.page, row);
      wanted.delete(row.page);
    }
    for (const page of wanted) this.adoptPage(page, undefined);
  }

  /** Caches slot page `page` as read (`row`; undefined when the store has no row for it). */
  private adoptPage(page: number, row: repo.SlotPageRow | undefined): void {
    this.pages.set(
      page,
      row === undefined
        ? {
            categories: new Int32Array(SLOTS_PER_PAGE).fill(NO_CATEGORY),
            thresholds: new Float64Array(SLOTS_PER_PAGE),
            dirty: false,
          }
        : {
            categories: new Int32Array(alignedCopy(row.categories)),
            thresholds: new Float64Array(alignedCopy(row.thresholds)),
            dirty: false,
          },
    );
  }

  /** Adopts what the upsert of `doc` read first (repo.findUpsertStart). */
  async adoptUpsertStart(doc: RelatedDocument, start: repo.UpsertStart): Promise<void> {
    if (doc.category !== null && start.categoryId !== undefined) this.categoryIds.set(doc.category, start.categoryId);
    this.adoptPage(Math.floor(this.meta.next_slot / SLOTS_PER_PAGE), start.nextSlotPage);
    if (start.post !== undefined) await this.cachePosts([start.post]);
    else this.absentIds.add(doc.id);
  }

  private page(slot: number): SlotPage {
    const page = this.pages.get(Math.floor(slot / SLOTS_PER_PAGE));
    if (page === undefined) throw new Error(`related store: slot page of ${slot} is not loaded`);
    return page;
  }

  private categoryOf(slot: number): number {
    return this.page(slot).categories[slot % SLOTS_PER_PAGE]!;
  }

  private thresholdOf(slot: number): number {
    return this.page(slot).thresholds[slot % SLOTS_PER_PAGE]!;
  }

  private updateThreshold(post: StoredPost): void {
    const page = this.page(post.slot);
    page.thresholds[post.slot % SLOTS_PER_PAGE] = listThreshold(post.list, post.complete);
    page.dirty = true;
  }

  private setCategory(post: StoredPost, categoryId: number): void {
    post.categoryId = categoryId;
    const page = this.page(post.slot);
    page.categories[post.slot % SLOTS_PER_PAGE] = categoryId;
    page.dirty = true;
  }

  // ---- posts ----

  async postById(id: string): Promise<StoredPost | undefined> {
    const cached = this.postsById.get(id);
    if (cached !== undefined || this.absentIds.has(id)) return cached;
    const row = await repo.findPostById(this.db, id);
    if (row === undefined) return undefined;
    await this.cachePosts([row]);
    return this.postsById.get(id);
  }

  async postsAt(slots: Iterable<number>): Promise<void> {
    const missing = [...new Set(slots)].filter((slot) => !this.posts.has(slot));
    if (missing.length === 0) return;
    const { posts, neighbors } = await repo.findPostsWithNeighbors(this.db, missing);
    await this.cacheRows(posts, neighbors);
  }

  private post(slot: number): StoredPost {
    const post = this.posts.get(slot);
    if (post === undefined) throw new Error(`related store: post at slot ${slot} is not loaded`);
    return post;
  }

  private async cachePosts(rows: repo.PostRow[]): Promise<void> {
    await this.cacheRows(
      rows,
      await repo.findNeighbors(
        this.db,
        rows.map((r) => r.slot),
      ),
    );
  }

  /** Caches posts read with their neighbor rows (in slot and rank order). */
  async cacheRows(rows: readonly repo.PostRow[], neighbors: readonly repo.NeighborRow[]): Promise<void> {
    const lists = new Map<number, Neighbor[]>();
    for (const row of neighbors) {
      const list = lists.get(row.slot) ?? [];
      list.push({ id: row.neighbor_id, slot: row.neighbor_slot, score: row.score });
      lists.set(row.slot, list);
    }
    await this.loadPages(rows.map((r) => r.slot));
    for (const row of rows) {
      const list = lists.get(row.slot) ?? [];
      const post: StoredPost = {
        id: row.post_id,
        slot: row.slot,
        categoryId: row.category_id ?? NO_CATEGORY,
        fields: unpackFields(row.fields),
        base: unpackVector(row.base),
        vector: unpackVector(row.vector),
        list,
        complete: row.complete === 1,
        weighedAt: row.weighed_at,
        before: list.slice(0, this.k).map((n) => n.id),
        storedList: list.slice(),
        storedComplete: row.complete === 1,
        removed: false,
        dirty: false,
        listDirty: false,
      };
      this.posts.set(post.slot, post);
      this.postsById.set(post.id, post);
    }
  }

  /** The next `limit` posts after `afterSlot`, in slot order. */
  async postsAfter(afterSlot: number, limit: number): Promise<StoredPost[]> {
    const rows = await repo.findPostPage(this.db, afterSlot, limit);
    await this.cachePosts(rows.filter((row) => !this.posts.has(row.slot)));
    return rows.map((row) => this.post(row.slot));
  }

  newPost(id: string, fields: PostFields): StoredPost {
    const post: StoredPost = {
      id,
      slot: this.meta.next_slot++,
      categoryId: NO_CATEGORY,
      fields,
      base: EMPTY_VECTOR,
      vector: EMPTY_VECTOR,
      list: [],
      complete: true,
      weighedAt: this.nowUtc,
      before: [],
      storedList: [],
      storedComplete: true,
      removed: false,
      dirty: true,
      listDirty: true,
    };
    this.meta.posts++;
    this.posts.set(post.slot, post);
    this.postsById.set(id, post);
    return post;
  }

  async placeNewPost(post: StoredPost, categoryId: number): Promise<void> {
    await this.loadPages([post.slot]);
    this.page(post.slot).thresholds[post.slot % SLOTS_PER_PAGE] = 0;
    this.setCategory(post, categoryId);
  }

  // ---- postings ----

  async loadPostings(kind: number, features: ArrayLike<number>): Promise<void> {
    const cache = this.postings[kind]!;
    const missing: number[] = [];
    for (let i = 0; i < features.length; i++) if (!cache.has(features[i]!)) missing.push(features[i]!);
    if (missing.length === 0) return;
    this.adoptPostings(kind, missing, await repo.findPostings(this.db, kind, missing));
  }

  /** Caches the posting lists of `features` as read (`rows`; a feature without a row has none). */
  private adoptPostings(kind: number, features: readonly number[], rows: readonly repo.PostingRow[]): void {
    const cache = this.postings[kind]!;
    for (const row of rows) cache.set(row.feature, unpackPostings(row.entries));
    for (const feature of features) if (!cache.has(feature)) cache.set(feature, new PostingList());
  }

  private postingList(kind: number, feature: number): PostingList {
    const list = this.postings[kind]!.get(feature);
    if (list === undefined) throw new Error(`related store: postings of feature ${feature} are not loaded`);
    return list;
  }

  async addPostings(kind: number, slot: number, vector: FeatureVector): Promise<void> {
    await this.loadPostings(kind, vector.features);
    const { features, weights } = vector;
    for (let i = 0; i < features.length; i++) {
      this.postingList(kind, features[i]!).add(slot, weights[i]!);
      this.dirtyPostings[kind]!.add(features[i]!);
    }
  }

  async removePostings(kind: number, slot: number, vector: FeatureVector): Promise<void> {
    await this.loadPostings(kind, vector.features);
    for (const feature of vector.features) {
      this.postingList(kind, feature).remove(slot);
      this.dirtyPostings[kind]!.add(feature);
    }
  }

  // ---- scoring ----

  /**
   * Scores `vector` (of `post`) against every other post sharing a feature with it in the
   * postings of `kind`: candidate slots and scores (category factor included), as
   * RelatedIndex.score.
   */
  private async score(post: StoredPost, vector: FeatureVector, kind: number, titleCap: number): Promise<Candidates> {
    await this.loadPostings(kind, vector.features);
    const cache = this.postings[kind]!;
    const touched = this.walk.walk(vector, (feature) => cache.get(feature), titleCap);
    const slots = this.walk.slots.slice(0, touched);
    const sums = this.walk.sums.slice(0, touched);
    await this.loadPages(slots);
    const category = post.categoryId;
    const scores = new Float64Array(touched);
    let kept = 0;
    for (let i = 0; i < touched; i++) {
      const slot = slots[i]!;
      if (slot === post.slot) continue;
      let score = sums[i]!;
      if (category !== NO_CATEGORY && this.categoryOf(slot) === category) score *= SAME_CATEGORY_FACTOR;
      slots[kept] = slot;
      scores[kept] = score;
      kept++;
    }
    return { slots, scores, count: kept };
  }

  /** The indexes of the candidates scoring at least the count-th best score (all when fewer). */
  private atOrAboveCut(candidates: Candidates, count: number): number[] {
    const { scores } = candidates;
    let cut = -Infinity;
    if (candidates.count > count) {
      const sorted = scores.slice(0, candidates.count).sort();
      cut = sorted[sorted.length - count]!;
    }
    const kept: number[] = [];
    for (let i = 0; i < candidates.count; i++) if (scores[i]! >= cut) kept.push(i);
    return kept;
  }

  /**
   * Reads what `best` needs for the candidates `kept` (their ids, to settle ties) together with
   * the posts at `slots`: when the kept are few (as they are unless many scores tie), they are
   * read as posts with the others, one statement; else only their ids, separately.
   */
  private async loadForBest(candidates: Candidates, kept: readonly number[], slots: readonly number[]): Promise<void> {
    const keptSlots = kept.map((i) => candidates.slots[i]!);
    if (keptSlots.length <= MAX_KEPT_READ_WHOLE) {
      await this.postsAt([...slots, ...keptSlots]);
      return;
    }
    await this.postsAt(slots);
    const unknown = keptSlots.filter((slot) => !this.posts.has(slot) && !this.candidateIds.has(slot));
    for (const [slot, id] of await repo.findPostIdsBySlots(this.db, unknown)) this.candidateIds.set(slot, id);
  }

  /** The best `count` of the candidates `kept` (read by `loadForBest`), best first, ties by id. */
  private best(candidates: Candidates, kept: readonly number[], count: number): Neighbor[] {
    const { slots, scores } = candidates;
    return bestOf(
      kept.map((i) => ({
        id: this.posts.get(slots[i]!)?.id ?? this.candidateIds.get(slots[i]!)!,
        slot: slots[i]!,
        score: scores[i]!,
      })),
      count,
    );
  }

  /**
   * `post`'s base vector expanded with its feedback posts (RelatedIndex.expand). With
   * `readRankedPostings` (an upsert, which adds the post to them next) the ranked postings of the
   * features it may keep are read with the term rows it lacks, one statement.
   */
  async expand(post: StoredPost, readRankedPostings = false): Promise<FeatureVector> {
    const candidates = await this.score(post, heaviestFeatures(post.base, FEEDBACK_QUERY_FEATURES), BASE, Infinity);
    const kept = this.atOrAboveCut(candidates, FEEDBACK_POSTS);
    await this.loadForBest(candidates, kept, []);
    const best = this.best(candidates, kept, FEEDBACK_POSTS);
    await this.postsAt(best.map((n) => n.slot));
    const feedback = best.map((n) => ({ vector: this.post(n.slot).base, score: n.score }));
    // The expansion reads the text of the features it keeps (and of those tied at its cut) only,
    // to order them, and which features those are follows from the weights alone. So a first
    // pass with the terms at hand names the missing ones; they are read and a second pass gives
    // the vector (the first pass's is it when none was missing). That reads a few dozen term
    // rows instead of the ~200 of every feature of the feedback posts.
    const missing: number[] = [];
    const named: number[] = [];
    const expanded = expandWithFeedback(post.base, feedback, (feature) => {
      named.push(feature);
      const term = this.termsById.get(Math.floor(feature / FIELDS));
      if (term !== undefined) return term.text;
      missing.push(Math.floor(feature / FIELDS));
      return '';
    });
    if (missing.length === 0) return expanded;
    const features = readRankedPostings ? named.filter((feature) => !this.postings[RANKED]!.has(feature)) : [];
    if (features.length > 0) {
      const read = await repo.findTermsAndPostings(this.db, [...new Set(missing)], RANKED, features);
      for (const row of read.terms) this.cacheTerm(row, false);
      this.adoptPostings(RANKED, features, read.postings);
    } else {
      await this.termsWithIds(missing);
    }
    return expandWithFeedback(post.base, feedback, (feature) => this.termText(Math.floor(feature / FIELDS)));
  }

  /** RelatedIndex.rank: the top 2k of `post`, and with `offer` `post` offered to every candidate. */
  async rank(post: StoredPost, offer: boolean): Promise<{ list: Neighbor[]; complete: boolean }> {
    const candidates = await this.score(post, post.vector, RANKED, MAX_TITLE_TERM_CONTRIBUTION);
    const { slots, scores, count } = candidates;
    const offered: number[] = [];
    if (offer) for (let i = 0; i < count; i++) if (scores[i]! >= this.thresholdOf(slots[i]!)) offered.push(i);
    // The best of the candidates do not depend on the offers: read them with the offered posts.
    const kept = this.atOrAboveCut(candidates, this.capacity);
    await this.loadForBest(
      candidates,
      kept,
      offered.map((i) => slots[i]!),
    );
    for (const i of offered) this.offer(this.post(slots[i]!), post, scores[i]!);
    const list = this.best(candidates, kept, this.capacity);
    return { list, complete: candidates.count < this.capacity };
  }

  private offer(holder: StoredPost, candidate: StoredPost, score: number): void {
    const offered = offerToList(
      holder.list,
      holder.complete,
      { id: candidate.id, slot: candidate.slot, score },
      this.capacity,
    );
    if (!offered.entered) return;
    holder.complete = offered.complete;
    holder.listDirty = true;
    this.updateThreshold(holder);
  }

  setList(post: StoredPost, list: Neighbor[], complete: boolean): void {
    post.list = list;
    post.complete = complete && list.length < this.capacity;
    post.listDirty = true;
    this.updateThreshold(post);
  }

  async link(post: StoredPost): Promise<void> {
    const { list, complete } = await this.rank(post, true);
    this.setList(post, list, complete);
  }

  /** Takes `post` out of the postings and every list; returns the posts whose lists lost it. */
  async detach(post: StoredPost): Promise<StoredPost[]> {
    const holders = await repo.findHolders(this.db, post.slot);
    // Lists changed earlier in this operation are in memory, not yet in the neighbor rows.
    for (const other of this.posts.values()) {
      if (other.listDirty && other.list.some((n) => n.slot === post.slot)) holders.push(other.slot);
    }
    await this.postsAt(holders);
    const orphans: StoredPost[] = [];
    for (const slot of new Set(holders)) {
      const other = this.post(slot);
      if (!other.list.some((n) => n.slot === post.slot)) continue;
      other.list = other.list.filter((n) => n.slot !== post.slot);
      other.listDirty = true;
      this.updateThreshold(other);
      orphans.push(other);
    }
    post.list = [];
    post.listDirty = true;
    await this.removePostings(RANKED, post.slot, post.vector);
    await this.removePostings(BASE, post.slot, post.base);
    return orphans;
  }

  async refillIfShort(post: StoredPost): Promise<void> {
    if (post.removed) return;
    if (post.list.length < this.k && !post.complete) {
      const { list, complete } = await this.rank(post, false);
      this.setList(post, list, complete);
    }
  }

  /** Weighs `post` anew, finds its feedback posts, and links it (the heart of an upsert). */
  async index(post: StoredPost): Promise<void> {
    await this.reweigh(post);
    await this.reexpand(post, true);
    await this.relink(post);
  }

  /** Gives `post` its base vector by the current statistics, in the base postings. */
  async reweigh(post: StoredPost): Promise<void> {
    await this.termsWithIds(post.fields.flatMap((f) => [...f.terms]));
    post.base = this.weigh(post.fields);
    post.weighedAt = this.nowUtc;
    post.dirty = true;
    await this.addPostings(BASE, post.slot, post.base);
  }

  /** Gives `post` its ranked vector from the base postings as they are. */
  async reexpand(post: StoredPost, readRankedPostings = false): Promise<void> {
    post.vector = await this.expand(post, readRankedPostings);
    post.dirty = true;
  }

  /** Puts `post`'s ranked vector in the ranked postings, ranks it and offers it to the others. */
  async relink(post: StoredPost): Promise<void> {
    await this.addPostings(RANKED, post.slot, post.vector);
    await this.link(post);
  }

  async assign(post: StoredPost, fields: PostFields, categoryId: number): Promise<void> {
    post.fields = fields;
    this.setCategory(post, categoryId);
    post.dirty = true;
  }

  drop(post: StoredPost): void {
    post.removed = true;
    this.meta.posts--;
    this.removedSlots.push(post.slot);
    const page = this.page(post.slot);
    page.categories[post.slot % SLOTS_PER_PAGE] = NO_CATEGORY;
    page.thresholds[post.slot % SLOTS_PER_PAGE] = Infinity;
    page.dirty = true;
  }

  // ---- results and writing back ----

  changed(always: StoredPost | null): Map<string, RelatedEntry[]> {
    const changed = new Map<string, RelatedEntry[]>();
    for (const post of this.posts.values()) {
      if (post.removed) continue;
      const now = post.list.slice(0, this.k).map(({ id, score }) => ({ id, score }));
      const same = post.before.length === now.length && now.every((n, i) => n.id === post.before[i]);
      if (post === always || !same) changed.set(post.id, now);
    }
    return changed;
  }

  async flush(): Promise<void> {
    // A term that no post has any more keeps its row and id: an expansion can still name it
    // (RelatedIndex keeps such an id too), and a post that brings the word back must meet it.
    const terms: repo.TermRow[] = [];
    for (const t of this.termsById.values()) {
      if (t.dirty) {
        terms.push({
          term_id: t.id,
          term: t.text,
          document_frequency: t.documentFrequency,
          collection_frequency: t.collectionFrequency,
        });
      }
    }
    const postings: repo.StoreWrites['postings'][number][] = [];
    const emptyPostings: { kind: number; features: number[] }[] = [];
    for (const kind of [BASE, RANKED]) {
      const empty: number[] = [];
      for (const feature of this.dirtyPostings[kind]!) {
        const list = this.postingList(kind, feature);
        if (list.length === 0) empty.push(feature);
        else postings.push({ kind, feature, entries: packPostings(list) });
      }
      if (empty.length > 0) emptyPostings.push({ kind, features: empty });
    }
    const posts: repo.PostRow[] = [];
    const completeness: { slot: number; complete: number }[] = [];
    const neighbors: repo.NeighborRow[] = [];
    const listEnds: { slot: number; length: number }[] = [];
    for (const p of this.posts.values()) {
      if (p.removed) {
        if (p.storedList.length > 0) listEnds.push({ slot: p.slot, length: 0 });
        continue;
      }
      if (p.dirty) {
        posts.push({
          post_id: p.id,
          slot: p.slot,
          category_id: p.categoryId === NO_CATEGORY ? null : p.categoryId,
          fields: packFields(p.fields),
          base: packVector(p.base),
          vector: packVector(p.vector),
          complete: p.complete ? 1 : 0,
          weighed_at: p.weighedAt,
        });
      } else if (p.complete !== p.storedComplete) {
        completeness.push({ slot: p.slot, complete: p.complete ? 1 : 0 });
      }
      if (!p.listDirty) continue;
      // Only the rows that differ from the stored list: an entry entering a list shifts the ones
      // below it, but the ones above stay as they are.
      p.list.forEach((n, rank) => {
        const stored = p.storedList[rank];
        if (stored === undefined || stored.slot !== n.slot || stored.score !== n.score) {
          neighbors.push({ slot: p.slot, rank, neighbor_slot: n.slot, neighbor_id: n.id, score: n.score });
        }
      });
      if (p.list.length < p.storedList.length) listEnds.push({ slot: p.slot, length: p.list.length });
    }
    const pages: repo.SlotPageRow[] = [];
    for (const [page, { categories, thresholds, dirty }] of this.pages) {
      if (dirty) pages.push({ page, categories: bytesOf(categories), thresholds: bytesOf(thresholds) });
    }
    this.meta.updated_at = this.nowUtc;
    await repo.writeBack(this.db, {
      terms,
      postings,
      emptyPostings,
      posts,
      completeness,
      neighbors,
      listEnds,
      removedSlots: this.removedSlots,
      pages,
      meta: this.meta,
    });
  }
}

export interface RelatedStoreState {
  /** Posts in the store. */
  posts: number;
  /** The ranking version the store was built by; undefined for an empty store. */
  rankingVersion: number | undefined;
  /** True while a fill from the posts table has not finished. */
  filling: boolean;
  /** When an operation last changed the store (ISO time); undefined for an empty store. */
  updatedAt: string | undefined;
}

/**
 * The store-backed related-posts index. Holds nothing between operations but its settings and
 * scratch space; every method takes the executor to run on (a transaction holding the
 * maintenance lock, for the writing ones).
 */
export class RelatedStore {
  readonly k: number;
  private readonly analyzer = new TermAnalyzer();
  private walk = new PostingsWalk();

  constructor(options: RelatedStoreOptions = {}) {
    this.k = validateCount(options.k ?? 3);
  }

  /** Posting entries read by all operations of this instance (for benchmarks). */
  get postingsVisited(): number {
    return this.walk.postingsRead;
  }

  /** Drops the scratch space (it grows to the highest slot an update touched). */
  releaseScratch(): void {
    const read = this.walk.postingsRead;
    this.walk = new PostingsWalk();
    this.walk.postingsRead = read;
  }

  async state(db: Executor): Promise<RelatedStoreState> {
    const meta = await repo.findMeta(db);
    return {
      posts: meta?.posts ?? 0,
      rankingVersion: meta?.ranking_version,
      filling: meta?.filling === 1,
      updatedAt: meta?.updated_at,
    };
  }

  /**
   * Empties the store and records RANKING_VERSION and k for what is indexed next; `filling`
   * marks it as being filled from the posts table (see `finishFill`).
   */
  async reset(db: Executor, nowUtc: string, filling: boolean): Promise<void> {
    await repo.clearStore(db);
    await repo.writeMeta(db, this.emptyMeta(nowUtc, filling));
  }

  async finishFill(db: Executor, nowUtc: string): Promise<void> {
    const meta = await this.meta(db, nowUtc);
    await repo.writeMeta(db, { ...meta, filling: 0, updated_at: nowUtc });
  }

  private emptyMeta(nowUtc: string, filling: boolean): repo.StoreMeta {
    return {
      ranking_version: RANKING_VERSION,
      k: this.k,
      posts: 0,
      next_slot: 0,
      next_term_id: 0,
      next_category_id: 0,
      filling: filling ? 1 : 0,
      updated_at: nowUtc,
    };
  }

  private async meta(db: Executor, nowUtc: string): Promise<repo.StoreMeta> {
    return (await repo.findMeta(db)) ?? this.emptyMeta(nowUtc, false);
  }

  private async operation(db: Executor, nowUtc: string): Promise<Operation> {
    return new Operation(db, await this.meta(db, nowUtc), this.k, nowUtc, this.walk);
  }

  /** An upsert's operation, begun with one statement that also reads the post and its category. */
  private async upsertOperation(db: Executor, doc: RelatedDocument, nowUtc: string): Promise<Operation> {
    const start = await repo.findUpsertStart(db, doc.id, doc.category, SLOTS_PER_PAGE);
    if (start === undefined) return this.operation(db, nowUtc);
    const op = new Operation(db, start.meta, this.k, nowUtc, this.walk);
    await op.adoptUpsertStart(doc, start);
    return op;
  }

  async has(db: Executor, id: string): Promise<boolean> {
    return (await repo.findPostById(db, id)) !== undefined;
  }

  /** The stored list of `id` (first k), best first; empty for a post not in the store. */
  async related(db: Executor, id: string): Promise<RelatedEntry[]> {
    const post = await repo.findPostById(db, id);
    if (post === undefined) return [];
    return (await repo.findNeighbors(db, [post.slot]))
      .slice(0, this.k)
      .map((row) => ({ id: row.neighbor_id, score: row.score }));
  }

  /** Adds a newly published post, or re-indexes an edited one (RelatedIndex.upsert). */
  async upsert(db: Executor, doc: RelatedDocument, nowUtc: string): Promise<StoreUpdate> {
    validateDocument(doc);
    const read = this.walk.postingsRead;
    const op = await this.upsertOperation(db, doc, nowUtc);
    const fields = await this.analyzedFields(op, doc);
    const categoryId = await op.categoryId(doc.category);
    const existing = await op.postById(doc.id);
    if (existing !== undefined && existing.categoryId === categoryId && sameFields(existing.fields, fields)) {
      return { changed: new Map(), postingsRead: 0 };
    }
    // New terms are counted before old ones are uncounted, as in RelatedIndex.
    op.countTerms(fields, 1);
    let post: StoredPost;
    const orphans: StoredPost[] = [];
    if (existing === undefined) {
      post = op.newPost(doc.id, fields);
      await op.placeNewPost(post, categoryId);
    } else {
      post = existing;
      orphans.push(...(await op.detach(post)));
      await op.termsWithIds(post.fields.flatMap((f) => [...f.terms]));
      op.countTerms(post.fields, -1);
      await op.assign(post, fields, categoryId);
    }
    await op.index(post);
    for (const orphan of orphans) await op.refillIfShort(orphan);
    const changed = op.changed(post);
    await op.flush();
    return { changed, postingsRead: this.walk.postingsRead - read };
  }

  /** The post's three fields with the store's term ids (new terms get ids in this operation). */
  private async analyzedFields(op: Operation, doc: RelatedDocument): Promise<PostFields> {
    const counts = analyzeDocument(this.analyzer, doc);
    await op.termsNamed(counts.flatMap((field) => [...field.keys()]));
    const termId = (text: string) => op.termId(text);
    return [toFieldCounts(counts[0], termId), toFieldCounts(counts[1], termId), toFieldCounts(counts[2], termId)];
  }

  /**
   * Adds posts with their analysed fields and term counts only, unranked: the first step of a
   * fill, followed by a recompute (`recomputePhase`). Ids already in the store are skipped.
   */
  async addUnranked(db: Executor, docs: readonly RelatedDocument[], nowUtc: string): Promise<void> {
    const op = await this.operation(db, nowUtc);
    for (const doc of docs) {
      validateDocument(doc);
      if ((await op.postById(doc.id)) !== undefined) continue;
      const fields = await this.analyzedFields(op, doc);
      op.countTerms(fields, 1);
      const post = op.newPost(doc.id, fields);
      await op.placeNewPost(post, await op.categoryId(doc.category));
    }
    await op.flush();
  }

  /**
   * Starts a full recompute (RelatedIndex.rebuild, in pages): empties every list and posting
   * list. The store answers nothing useful until the three phases of `recomputePhase` have run
   * over every page, so the caller marks it (`filling`) and other workers wait.
   */
  async beginRecompute(db: Executor, nowUtc: string): Promise<void> {
    await repo.clearListsAndPostings(db, Buffer.alloc(SLOTS_PER_PAGE * 8));
    const meta = await this.meta(db, nowUtc);
    await repo.writeMeta(db, { ...meta, filling: 1, updated_at: nowUtc });
  }

  /**
   * One page of one phase of a full recompute, for the `limit` posts after `afterSlot`:
   * 'weigh' gives each its base vector by the current statistics; 'expand' (once every post is
   * weighed) its ranked vector from its feedback posts; 'link' (once every post is expanded)
   * ranks it against the posts linked before it and offers it to them, so each pair is scored
   * once, as in RelatedIndex's recompute. Returns the last slot done, or undefined when the
   * phase has no posts left.
   */
  async recomputePhase(
    db: Executor,
    phase: 'weigh' | 'expand' | 'link',
    afterSlot: number,
    limit: number,
    nowUtc: string,
  ): Promise<number | undefined> {
    const op = await this.operation(db, nowUtc);
    const posts = await op.postsAfter(afterSlot, limit);
    if (posts.length === 0) return undefined;
    for (const post of posts) {
      if (phase === 'weigh') await op.reweigh(post);
      else if (phase === 'expand') await op.reexpand(post);
      else await op.relink(post);
    }
    await op.flush();
    return posts[posts.length - 1]!.slot;
  }

  /** The first k of each stored list for the `limit` posts after `afterSlot` (to publish them). */
  async listsPage(
    db: Executor,
    afterSlot: number,
    limit: number,
  ): Promise<{ lists: Map<string, RelatedEntry[]>; lastSlot: number | undefined }> {
    const rows = await repo.findPostPage(db, afterSlot, limit);
    const neighbors = await repo.findNeighbors(
      db,
      rows.map((row) => row.slot),
    );
    const lists = new Map<string, RelatedEntry[]>();
    const bySlot = new Map<number, RelatedEntry[]>();
    for (const row of rows) {
      const list: RelatedEntry[] = [];
      lists.set(row.post_id, list);
      bySlot.set(row.slot, list);
    }
    for (const n of neighbors) {
      const list = bySlot.get(n.slot)!;
      if (list.length < this.k) list.push({ id: n.neighbor_id, score: n.score });
    }
    return { lists, lastSlot: rows[rows.length - 1]?.slot };
  }

  /** Removes a post (deleted or unpublished). Unknown ids are ignored. */
  async remove(db: Executor, id: string, nowUtc: string): Promise<StoreUpdate> {
    const read = this.walk.postingsRead;
    const op = await this.operation(db, nowUtc);
    const post = await op.postById(id);
    if (post === undefined) return { changed: new Map(), postingsRead: 0 };
    const orphans = await op.detach(post);
    await op.termsWithIds(post.fields.flatMap((f) => [...f.terms]));
    op.countTerms(post.fields, -1);
    op.drop(post);
    for (const orphan of orphans) await op.refillIfShort(orphan);
    const changed = op.changed(null);
    await op.flush();
    return { changed, postingsRead: this.walk.postingsRead - read };
  }

  /**
   * Re-weighs the posts weighed longest ago (`weighed_at`, oldest first), in one operation: each
   * is weighed again by the current term statistics and post count, finds its feedback posts
   * anew, is expanded and relinked, exactly what `upsert` does to an edited post, minus the
   * counting of terms (its fields are unchanged). `upsert` cannot do this: it returns at once for
   * a post whose fields and category are unchanged (a replayed change), so statistics that moved
   * since never reach it. The worker's rolling re-weigh (issue 16) runs this in small batches in
   * place of periodic full recomputes.
   *
   * Takes at most `limit` posts: the first `atLeast` whatever their age, the rest only while
   * weighed before `weighedBefore`; stops after the post during which `performance.now()` passed
   * `deadline`. Returns the lists that changed, how many posts were re-weighed, and when the
   * stalest post left was weighed (undefined when none is left within `limit`).
   */
  async reweighStalest(
    db: Executor,
    nowUtc: string,
    limit: number,
    options: { atLeast?: number; weighedBefore?: string; deadline?: number } = {},
  ): Promise<StoreUpdate & { reweighed: number; stalestLeft: string | undefined }> {
    const read = this.walk.postingsRead;
    // One more than the limit, to tell when the stalest post left was weighed.
    const stalest = await repo.findStalestPosts(db, limit + 1);
    const op = await this.operation(db, nowUtc);
    let reweighed = 0;
    for (const { post_id: id, weighed_at: weighedAt } of stalest.slice(0, limit)) {
      const due =
        reweighed < (options.atLeast ?? 0) ||
        (options.weighedBefore !== undefined && weighedAt < options.weighedBefore);
      if (!due) break;
      if (options.deadline !== undefined && reweighed > 0 && performance.now() >= options.deadline) break;
      const post = (await op.postById(id))!;
      const orphans = await op.detach(post);
      await op.index(post);
      for (const orphan of orphans) await op.refillIfShort(orphan);
      reweighed++;
    }
    const changed = op.changed(null);
    if (reweighed > 0) await op.flush();
    return {
      changed,
      postingsRead: this.walk.postingsRead - read,
      reweighed,
      stalestLeft: stalest[reweighed]?.weighed_at,
    };
  }
}
