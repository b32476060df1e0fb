import { TermAnalyzer } from './analyze';
import {
  analyzeDocument,
  bestOf,
  DEFAULT_RELATED_COUNT,
  FEEDBACK_POSTS,
  FEEDBACK_QUERY_FEATURES,
  forEachDistinctTerm,
  insertRanked,
  listThreshold,
  offerToList,
  PostingList,
  PostingsWalk,
  ranksBefore,
  type RelatedDocument,
  type RelatedEntry,
  SAME_CATEGORY_FACTOR,
  sameFields,
  toFieldCounts,
  validateCount,
  validateDocument,
} from './ranking';
import {
  expandWithFeedback,
  type FeatureVector,
  type FeedbackPost,
  FIELDS,
  type PostFields,
  heaviestFeatures,
  MAX_TITLE_TERM_CONTRIBUTION,
  termSpecificity,
  TITLE_FIELD,
  weighFeatures,
} from './vectors';

export { DEFAULT_RELATED_COUNT, MAX_RELATED_COUNT, type RelatedDocument, type RelatedEntry } from './ranking';

/**
 * The stored lists that one operation changed (a different sequence of ids), keyed by post id,
 * each with its new value; the post that was upserted is always included. The caller persists
 * these lists and invalidates those posts' pages; a removed post's own list is not included.
 */
export interface RelatedUpdate {
  changed: Map<string, RelatedEntry[]>;
}

export interface RelatedIndexOptions {
  /** Related posts per post, 1 to 10. Default 3. */
  k?: number;
  /**
   * While the index holds at most this many posts, an upsert that has grown it by a quarter since
   * the last full recompute triggers one (see `rebuild`). Default 1,000; 0 turns it off.
   */
  rebuildWhileBelow?: number;
}

/**
 * Names the ranking: bumped whenever a change to the engine (weights, similarity, defaults) can
 * change lists. Stored lists are adopted by `load` as they are, so a store ranked by another
 * version must be recomputed instead (the worker compares this with the version it recorded):
 * otherwise old lists, with scores on another scale, would be mixed with new ones. 1: feedback
 * and residual IDF; 2: the title-word cap (MAX_TITLE_TERM_CONTRIBUTION); 3: tags as a field of
 * their own (TAG_FIELD, issue 16); 4: tag weights capped (MAX_TAG_WEIGHT), title cap 0.005, 7
 * feedback posts, β 1 (issue 16, part 1); 5: tag share 0.05, title share 0.2, residual IDF 1,
 * tag words one mention (issue 16, part 2: chosen by the worst of three corpora).
 */
export const RANKING_VERSION = 5;

// IDF moves as the corpus grows, and vectors keep the weights they were given (see `rebuild`).
// While the corpus is small a full recompute is cheap and the statistics move fast, so it is
// redone each time the corpus has grown by this factor (a geometric schedule costs a constant
// number of recomputes per post in total).
const REBUILD_GROWTH = 1.25;

const DEFAULT_REBUILD_WHILE_BELOW = 1_000;

interface Neighbor {
  readonly post: Post;
  readonly id: string;
  readonly score: number;
}

interface Post {
  readonly id: string;
  readonly slot: number;
  category: string | null;
  fields: PostFields;
  /** TF-IDF of the post's own fields: what finds its feedback posts. */
  base: FeatureVector;
  /** `base` expanded with its feedback posts' features: what lists are ranked by. */
  vector: FeatureVector;
  /**
   * Best neighbors, best first, up to `capacity` (2k): always exactly the top `list.length` of
   * all other posts by score, so a post that enters above the last entry keeps it exact, and a
   * removal rarely forces a rescan (only when fewer than k remain).
   */
  list: Neighbor[];
  /**
   * `list` holds every post with a positive score. Only ever true while the list is shorter than
   * `capacity` (at capacity, whether more posts exist is not tracked).
   */
  complete: boolean;
  /** Posts whose `list` contains this one: the lists to repair when it is removed or edited. */
  readonly inListsOf: Set<Post>;
}

function sameIds(ids: readonly string[], entries: readonly RelatedEntry[]): boolean {
  return ids.length === entries.length && ids.every((id, i) => entries[i]!.id === id);
}

function grownFloat64(array: Float64Array<ArrayBuffer>, minLength: number, fill: number): Float64Array<ArrayBuffer> {
  if (minLength <= array.length) return array;
  const grown = new Float64Array(Math.max(minLength, array.length * 2)).fill(fill);
  grown.set(array);
  return grown;
}

function grownInt32(array: Int32Array<ArrayBuffer>, minLength: number, fill: number): Int32Array<ArrayBuffer> {
  if (minLength <= array.length) return array;
  const grown = new Int32Array(Math.max(minLength, array.length * 2)).fill(fill);
  grown.set(array);
  return grown;
}

const NO_CATEGORY = -1;

const EMPTY_VECTOR: FeatureVector = { features: new Int32Array(0), weights: new Float32Array(0) };

function addPostings(postings: (PostingList | undefined)[], slot: number, vector: FeatureVector): void {
  const { features, weights } = vector;
  for (let i = 0; i < features.length; i++) {
    const feature = features[i]!;
    let list = postings[feature];
    if (list === undefined) {
      list = new PostingList();
      postings[feature] = list;
    }
    list.add(slot, weights[i]!);
  }
}

/**
 * In-memory related-posts index over the published posts: an inverted index of weighted terms
 * plus each post's stored list of its k most similar posts, kept current as posts are upserted
 * and removed, so reading a list never ranks.
 *
 * Similarity is a dot product of fixed per-post vectors (title and content TF-IDF, see
 * `weighFeatures`, expanded with the post's nearest neighbors' vectors, see
 * `expandWithFeedback`), times 1.5 for a shared category. It is symmetric, which is what makes the
 * incremental update exact: when P arrives, scoring P against the posts that share a feature
 * with it (a walk of P's posting lists) yields both P's list and every score that could put P
 * into another post's list; a post that shares no feature with P scores 0 and cannot change.
 *
 * What is not incremental: IDF and feedback. A post's vector keeps the document frequencies and
 * the feedback posts of the moment it was (re)weighted, because re-weighting every post that
 * shares a term with each new post, or that would take it as feedback, would cost as much as a
 * full recompute. Lists therefore drift slowly from what a full recompute
 * would give as the corpus grows; `rebuild()` recomputes everything (automatically while the
 * corpus is small, see `rebuildWhileBelow`; `rebuildRecommended` tells when it is worth doing).
 */
export class RelatedIndex {
  readonly k: number;
  private readonly capacity: number;
  private readonly rebuildWhileBelow: number;
  private readonly analyzer = new TermAnalyzer();

  private readonly byId = new Map<string, Post>();
  private readonly bySlot: (Post | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  private readonly termIds = new Map<string, number>();
  private readonly termNames: string[] = [];
  private documentFrequency = new Int32Array(1024);
  // Per term id: mentions in all posts (title and content, tag words as counted there), for
  // residual IDF.
  private collectionFrequency = new Float64Array(1024);
  // Per term id: features of it in ranked (expanded) vectors. An expansion can outlive the post
  // that contributed a term, so a term id is recycled only when no post has the term and no
  // ranked vector refers to it; otherwise a stale expansion would silently name another word.
  private vectorReferences = new Int32Array(1024);
  private readonly freeTermIds: number[] = [];
  private readonly categoryIds = new Map<string, number>();

  // Posting lists of the ranked (expanded) vectors, and of the base vectors.
  private postings: (PostingList | undefined)[] = [];
  private basePostings: (PostingList | undefined)[] = [];
  private sizeAtLastRebuild = 0;

  // Per slot: the category as a small integer, and the lowest score that may enter the post's
  // list (0: any positive score fits; a candidate scoring below it is skipped without looking
  // at the post at all, which is what keeps an update cheap when it touches many posts).
  private categoryOf = new Int32Array(1024).fill(NO_CATEGORY);
  private thresholds = new Float64Array(1024);

  // Scratch space of `score`: the walk of the posting lists, then the scored candidates.
  private readonly walk = new PostingsWalk();
  private candidateSlots = new Int32Array(1024);
  private candidateScores = new Float64Array(1024);
  // Scratch space of `rankFromScratch`: the query's weights by feature id (all zero between calls).
  private dense = new Float64Array(0);

  // Lists as they were before the current operation touched them, to report real changes only.
  private snapshots: Map<Post, string[]> | null = null;

  constructor(options: RelatedIndexOptions = {}) {
    this.k = validateCount(options.k ?? DEFAULT_RELATED_COUNT);
    this.capacity = 2 * this.k;
    const rebuildWhileBelow = options.rebuildWhileBelow ?? DEFAULT_REBUILD_WHILE_BELOW;
    if (!Number.isSafeInteger(rebuildWhileBelow) || rebuildWhileBelow < 0) {
      throw new RangeError(`rebuildWhileBelow must be a non-negative integer, got ${rebuildWhileBelow}`);
    }
    this.rebuildWhileBelow = rebuildWhileBelow;
  }

  /** An index over `docs` computed in one pass (a later duplicate id replaces an earlier one). */
  static build(docs: Iterable<RelatedDocument>, options: RelatedIndexOptions = {}): RelatedIndex {
    const index = new RelatedIndex(options);
    index.load(docs);
    return index;
  }

  get size(): number {
    return this.byId.size;
  }

  /** True once the corpus has grown or shrunk by a quarter since the last full recompute. */
  get rebuildRecommended(): boolean {
    const base = Math.max(this.sizeAtLastRebuild, 1);
    return this.size > base * REBUILD_GROWTH || this.size < base / REBUILD_GROWTH;
  }

  /**
   * Posting entries read by all walks since the index was created: the work of upserts,
   * removals and rebuilds, independent of CPU speed and load (for benchmarks).
   */
  get postingsVisited(): number {
    return this.walk.postingsRead;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The stored related posts of `id`, best first; empty for a post not in the index. */
  related(id: string): RelatedEntry[] {
    const post = this.byId.get(id);
    return post === undefined ? [] : this.visible(post);
  }

  /**
   * Ranks `id` from scratch by scoring it against every post (no posting lists, no stored
   * lists): O(posts × features). The stored list always equals this; it exists to check that
   * and as the baseline cost that the stored lists save.
   */
  rankFromScratch(id: string): RelatedEntry[] {
    const post = this.byId.get(id);
    if (post === undefined) return [];
    if (this.dense.length < this.postings.length) this.dense = new Float64Array(this.postings.length);
    const dense = this.dense;
    const { features, weights } = post.vector;
    for (let i = 0; i < features.length; i++) dense[features[i]!] = weights[i]!;
    const best: Neighbor[] = [];
    for (const other of this.byId.values()) {
      if (other === post) continue;
      const { features: otherFeatures, weights: otherWeights } = other.vector;
      // Both vectors are in canonical order, so the shared products are added in the same order
      // as `score` adds them, and the sums are equal to the last bit.
      let score = 0;
      for (let i = 0; i < otherFeatures.length; i++) {
        const feature = otherFeatures[i]!;
        const mine = dense[feature]!;
        if (mine === 0) continue;
        const product = mine * otherWeights[i]!;
        score += feature % FIELDS === TITLE_FIELD ? Math.min(product, MAX_TITLE_TERM_CONTRIBUTION) : product;
      }
      if (score <= 0) continue;
      if (post.category !== null && post.category === other.category) score *= SAME_CATEGORY_FACTOR;
      if (insertRanked(best, { post: other, id: other.id, score }, this.k) && best.length > this.k) best.pop();
    }
    for (const feature of features) dense[feature] = 0;
    return best.map(({ post: other, score }) => ({ id: other.id, score }));
  }

  /** Every post's stored list, e.g. to persist them all after `build` or `rebuild`. */
  lists(): Map<string, RelatedEntry[]> {
    const lists = new Map<string, RelatedEntry[]>();
    for (const post of this.byId.values()) lists.set(post.id, this.visible(post));
    return lists;
  }

  /** Adds a newly published post, or re-indexes an edited one. */
  upsert(doc: RelatedDocument): RelatedUpdate {
    validateDocument(doc);
    const fields = this.analyze(doc);
    const existing = this.byId.get(doc.id);
    if (existing !== undefined && existing.category === doc.category && sameFields(existing.fields, fields)) {
      return { changed: new Map() };
    }

    this.snapshots = new Map();
    let post: Post;
    const orphans: Post[] = [];
    // New terms are counted before old ones are uncounted, so that a term in both versions never
    // drops to 0 and loses its id.
    this.countTerms(fields, 1);
    if (existing === undefined) {
      post = this.addPost(doc.id, doc.category, fields);
    } else {
      post = existing;
      this.touch(post);
      orphans.push(...this.detach(post));
      this.countTerms(post.fields, -1);
      post.fields = fields;
      this.setCategory(post, doc.category);
    }
    this.touch(post);
    post.base = this.weigh(post.fields);
    addPostings(this.basePostings, post.slot, post.base);
    this.setVector(post, this.expand(post));
    addPostings(this.postings, post.slot, post.vector);
    this.link(post);
    for (const orphan of orphans) this.refillIfShort(orphan);

    if (
      existing === undefined &&
      this.size <= this.rebuildWhileBelow &&
      this.size >= this.sizeAtLastRebuild * REBUILD_GROWTH
    ) {
      this.recomputeAll();
    }
    return this.finish(post);
  }

  /** Removes a post (deleted or unpublished). Unknown ids are ignored. */
  remove(id: string): RelatedUpdate {
    const post = this.byId.get(id);
    if (post === undefined) return { changed: new Map() };
    this.snapshots = new Map();
    const orphans = this.detach(post);
    this.countTerms(post.fields, -1);
    this.setVector(post, EMPTY_VECTOR);
    this.byId.delete(id);
    this.bySlot[post.slot] = undefined;
    this.freeSlots.push(post.slot);
    for (const orphan of orphans) this.refillIfShort(orphan);
    return this.finish(null);
  }

  /**
   * Replaces the whole contents with `docs` (e.g. at start-up), weighting them with their own
   * statistics. A post's list is taken from `stored` (lists persisted earlier, best first) when
   * that list has at least k entries that are all still in `docs`; every other post is ranked.
   * Returns the lists that differ from `stored`: those to persist.
   */
  load(
    docs: Iterable<RelatedDocument>,
    stored: ReadonlyMap<string, readonly RelatedEntry[]> = new Map(),
  ): RelatedUpdate {
    this.reset();
    for (const doc of docs) {
      validateDocument(doc);
      const fields = this.analyze(doc);
      this.countTerms(fields, 1);
      const existing = this.byId.get(doc.id);
      if (existing !== undefined) {
        this.countTerms(existing.fields, -1);
        existing.fields = fields;
        this.setCategory(existing, doc.category);
      } else {
        this.addPost(doc.id, doc.category, fields);
      }
    }
    if (stored.size === 0) {
      this.recomputeAll();
      return { changed: this.lists() };
    }

    this.reweighAll(true);
    const changed = new Map<string, RelatedEntry[]>();
    for (const post of this.byId.values()) {
      const previous = stored.get(post.id) ?? [];
      const neighbors = previous.map(({ id, score }) => ({ post: this.byId.get(id), id, score }));
      const usable =
        neighbors.length >= this.k &&
        new Set(previous.map(({ id }) => id)).size === previous.length &&
        neighbors.every(({ post: other }) => other !== undefined && other !== post);
      if (usable) {
        const list = (neighbors as Neighbor[])
          .sort((a, b) => (ranksBefore(a.score, a.id, b) ? -1 : 1))
          .slice(0, this.k);
        // Only the top k were stored: the list is exact for that length, nothing is known beyond.
        this.setList(post, list, false);
      } else {
        const { list, complete } = this.rank(post, false);
        this.setList(post, list, complete);
      }
      const now = this.visible(post);
      if (
        !sameIds(
          previous.map(({ id }) => id),
          now,
        )
      )
        changed.set(post.id, now);
    }
    this.sizeAtLastRebuild = this.size;
    return { changed };
  }

  /**
   * Full recompute: every vector re-weighted with the current document frequencies and every
   * list ranked again. Costs about half an upsert per post (each pair is scored once); run it
   * when `rebuildRecommended` says so (e.g. from a nightly job) and persist the lists it reports.
   */
  rebuild(): RelatedUpdate {
    this.snapshots = new Map();
    this.recomputeAll();
    return this.finish(null);
  }

  // ---- analysis and term statistics ----

  private analyze(doc: RelatedDocument): PostFields {
    const termId = (term: string) => this.termId(term);
    const [title, content, tags] = analyzeDocument(this.analyzer, doc);
    return [toFieldCounts(title, termId), toFieldCounts(content, termId), toFieldCounts(tags, termId)];
  }

  private termId(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.freeTermIds.pop() ?? this.termNames.length;
      this.termIds.set(term, id);
      this.termNames[id] = term;
      this.documentFrequency = grownInt32(this.documentFrequency, id + 1, 0);
      this.collectionFrequency = grownFloat64(this.collectionFrequency, id + 1, 0);
      this.vectorReferences = grownInt32(this.vectorReferences, id + 1, 0);
    }
    return id;
  }

  private releaseIfUnused(id: number): void {
    if (this.documentFrequency[id] === 0 && this.vectorReferences[id] === 0) {
      // Recycle the id: nothing can reference a term that no post has and no vector names.
      this.termIds.delete(this.termNames[id]!);
      this.termNames[id] = '';
      this.collectionFrequency[id] = 0;
      this.freeTermIds.push(id);
    }
  }

  /** Makes `vector` the post's ranked vector, keeping the references of term ids current. */
  private setVector(post: Post, vector: FeatureVector): void {
    const previous = post.vector;
    post.vector = vector;
    for (const feature of vector.features) this.vectorReferences[Math.floor(feature / FIELDS)]!++;
    for (const feature of previous.features) {
      const id = Math.floor(feature / FIELDS);
      this.vectorReferences[id]!--;
      this.releaseIfUnused(id);
    }
  }

  private countTerms(fields: PostFields, by: 1 | -1): void {
    for (const { terms, counts } of fields) {
      for (let i = 0; i < terms.length; i++) {
        this.collectionFrequency[terms[i]!] = this.collectionFrequency[terms[i]!]! + by * counts[i]!;
      }
    }
    forEachDistinctTerm(fields, (id) => {
      this.documentFrequency[id] = this.documentFrequency[id]! + by;
      if (by < 0) this.releaseIfUnused(id);
    });
  }

  private weigh(fields: PostFields): FeatureVector {
    const documents = this.size;
    return weighFeatures(
      fields,
      (id) => termSpecificity(this.documentFrequency[id]!, this.collectionFrequency[id]!, documents),
      (id) => this.termNames[id]!,
    );
  }

  // ---- posts, postings and scoring ----

  private addPost(id: string, category: string | null, fields: PostFields): Post {
    const slot = this.freeSlots.pop() ?? this.bySlot.length;
    const post: Post = {
      id,
      slot,
      category: null,
      fields,
      base: EMPTY_VECTOR,
      vector: EMPTY_VECTOR,
      list: [],
      complete: true,
      inListsOf: new Set(),
    };
    this.bySlot[slot] = post;
    this.byId.set(id, post);
    this.thresholds = grownFloat64(this.thresholds, slot + 1, 0);
    this.categoryOf = grownInt32(this.categoryOf, slot + 1, NO_CATEGORY);
    this.thresholds[slot] = 0;
    this.setCategory(post, category);
    return post;
  }

  private setCategory(post: Post, category: string | null): void {
    post.category = category;
    let id = NO_CATEGORY;
    if (category !== null) {
      id = this.categoryIds.get(category) ?? this.categoryIds.size;
      this.categoryIds.set(category, id);
    }
    this.categoryOf[post.slot] = id;
  }

  private unpost(post: Post): void {
    for (const feature of post.vector.features) this.postings[feature]?.remove(post.slot);
    for (const feature of post.base.features) this.basePostings[feature]?.remove(post.slot);
  }

  /**
   * Pseudo-relevance feedback: `post`'s base vector expanded with the base vectors of its
   * FEEDBACK_POSTS nearest neighbors by the similarity of its FEEDBACK_QUERY_FEATURES heaviest
   * base features to their base vectors (category factor included), among the posts now in
   * `basePostings`.
   */
  private expand(post: Post): FeatureVector {
    const count = this.score(post, heaviestFeatures(post.base, FEEDBACK_QUERY_FEATURES), this.basePostings, Infinity);
    const candidates: Neighbor[] = [];
    for (let i = 0; i < count; i++) {
      const other = this.bySlot[this.candidateSlots[i]!]!;
      candidates.push({ post: other, id: other.id, score: this.candidateScores[i]! });
    }
    const best = bestOf(candidates, FEEDBACK_POSTS);
    const feedback: FeedbackPost[] = best.map(({ post: other, score }) => ({ vector: other.base, score }));
    return expandWithFeedback(post.base, feedback, (feature) => this.termNames[Math.floor(feature / FIELDS)]!);
  }

  /**
   * Scores `vector` (of `post`) against every other post that shares a feature with it in
   * `postings`; the slots and scores of those with a positive score are left in
   * `candidateSlots`/`candidateScores`. Returns their number. A shared title feature adds at
   * most `titleCap` (MAX_TITLE_TERM_CONTRIBUTION for ranked similarities, none when searching
   * for feedback posts).
   */
  private score(
    post: Post,
    vector: FeatureVector = post.vector,
    postings = this.postings,
    titleCap = MAX_TITLE_TERM_CONTRIBUTION,
  ): number {
    const count = this.walk.walk(vector, (feature) => postings[feature], titleCap);
    if (this.candidateSlots.length < count) {
      this.candidateSlots = new Int32Array(this.walk.slots.length);
      this.candidateScores = new Float64Array(this.walk.slots.length);
    }
    const { slots, sums } = this.walk;
    const slotsOut = this.candidateSlots;
    const scores = this.candidateScores;
    const categoryOf = this.categoryOf;
    const category = categoryOf[post.slot]!;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      let score = sums[i]!;
      if (slot === post.slot) continue;
      if (category !== NO_CATEGORY && categoryOf[slot] === category) score *= SAME_CATEGORY_FACTOR;
      slotsOut[kept] = slot;
      scores[kept] = score;
      kept++;
    }
    return kept;
  }

  /**
   * The top `capacity` neighbors of `post`, from scratch. With `offer`, the same pass also offers
   * `post` to every post it scored against.
   */
  private rank(post: Post, offer: boolean): { list: Neighbor[]; complete: boolean } {
    const count = this.score(post);
    const slots = this.candidateSlots;
    const scores = this.candidateScores;
    const thresholds = this.thresholds;
    const list: Neighbor[] = [];
    let worst = -Infinity;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      const score = scores[i]!;
      if (offer && score >= thresholds[slot]!) this.offer(this.bySlot[slot]!, post, score);
      if (list.length === this.capacity && score < worst) continue;
      const other = this.bySlot[slot]!;
      if (insertRanked(list, { post: other, id: other.id, score }, this.capacity)) {
        if (list.length > this.capacity) list.pop();
        worst = list[list.length - 1]!.score;
      }
    }
    return { list, complete: count < this.capacity };
  }

  // ---- lists ----

  private setList(post: Post, list: Neighbor[], complete: boolean): void {
    this.touch(post);
    for (const { post: other } of post.list) other.inListsOf.delete(post);
    for (const { post: other } of list) other.inListsOf.add(post);
    post.list = list;
    post.complete = complete && list.length < this.capacity;
    this.updateThreshold(post);
  }

  private updateThreshold(post: Post): void {
    this.thresholds[post.slot] = listThreshold(post.list, post.complete);
  }

  /** Ranks a new or re-weighted post and offers it to every post it scored against. */
  private link(post: Post): void {
    const { list, complete } = this.rank(post, true);
    this.setList(post, list, complete);
  }

  /**
   * Puts `candidate` into `post`'s list if that keeps the list the exact top of its length: when
   * it ranks above the last entry, or the list already holds every positive-score post.
   */
  private offer(post: Post, candidate: Post, score: number): void {
    this.touch(post);
    const offered = offerToList(post.list, post.complete, { post: candidate, id: candidate.id, score }, this.capacity);
    if (!offered.entered) return;
    candidate.inListsOf.add(post);
    offered.dropped?.post.inListsOf.delete(post);
    post.complete = offered.complete;
    this.updateThreshold(post);
  }

  /**
   * Takes `post` out of the postings and out of every list; returns the posts whose lists lost
   * it (their lists stay exact, only shorter).
   */
  private detach(post: Post): Post[] {
    const orphans = [...post.inListsOf];
    for (const other of orphans) {
      this.touch(other);
      other.list = other.list.filter((neighbor) => neighbor.post !== post);
      this.updateThreshold(other);
    }
    post.inListsOf.clear();
    for (const { post: other } of post.list) other.inListsOf.delete(post);
    post.list = [];
    this.unpost(post);
    return orphans;
  }

  private refillIfShort(post: Post): void {
    if (this.bySlot[post.slot] !== post) return;
    if (post.list.length < this.k && !post.complete) {
      const { list, complete } = this.rank(post, false);
      this.setList(post, list, complete);
    }
  }

  /**
   * Every vector weighted with the current statistics, in two passes: base vectors, then their
   * feedback expansions (each from all the others' base vectors). Lists are left alone.
   */
  private reweighAll(postRanked: boolean): void {
    this.postings = [];
    this.basePostings = [];
    for (const post of this.byId.values()) {
      post.base = this.weigh(post.fields);
      addPostings(this.basePostings, post.slot, post.base);
    }
    // All expansions are computed before any is replaced: each sees the others' new base vectors.
    const expanded = [...this.byId.values()].map((post) => this.expand(post));
    [...this.byId.values()].forEach((post, i) => this.setVector(post, expanded[i]!));
    if (postRanked) for (const post of this.byId.values()) addPostings(this.postings, post.slot, post.vector);
  }

  private reset(): void {
    this.byId.clear();
    this.bySlot.length = 0;
    this.freeSlots.length = 0;
    this.termIds.clear();
    this.termNames.length = 0;
    this.documentFrequency = new Int32Array(1024);
    this.collectionFrequency = new Float64Array(1024);
    this.vectorReferences = new Int32Array(1024);
    this.freeTermIds.length = 0;
    this.postings = [];
    this.basePostings = [];
    this.sizeAtLastRebuild = 0;
  }

  /**
   * Re-weights every post, then links them one by one into an empty index, exactly as upserts
   * would but with the final statistics: the result equals ranking every post against all the
   * others, while each pair is scored once instead of twice.
   */
  private recomputeAll(): void {
    for (const post of this.byId.values()) {
      this.touch(post);
      for (const { post: other } of post.list) other.inListsOf.delete(post);
      post.list = [];
      post.complete = true;
      this.thresholds[post.slot] = 0;
    }
    // Linked into the empty ranked postings one by one, so that each pair is scored once.
    this.reweighAll(false);
    for (const post of this.byId.values()) {
      addPostings(this.postings, post.slot, post.vector);
      this.link(post);
    }
    this.sizeAtLastRebuild = this.size;
  }

  // ---- change reporting ----

  private visible(post: Post): RelatedEntry[] {
    return post.list.slice(0, this.k).map(({ post: other, score }) => ({ id: other.id, score }));
  }

  private touch(post: Post): void {
    if (this.snapshots !== null && !this.snapshots.has(post)) {
      this.snapshots.set(
        post,
        post.list.slice(0, this.k).map(({ post: other }) => other.id),
      );
    }
  }

  private finish(always: Post | null): RelatedUpdate {
    const changed = new Map<string, RelatedEntry[]>();
    for (const [post, before] of this.snapshots ?? []) {
      if (this.byId.get(post.id) !== post) continue;
      const now = this.visible(post);
      if (post === always || !sameIds(before, now)) changed.set(post.id, now);
    }
    this.snapshots = null;
    return { changed };
  }
}
