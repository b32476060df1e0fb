import type { TermAnalyzer } from './analyze';
import { FIELDS, type FeatureVector, type FieldCounts, type PostFields, TITLE_FIELD } from './vectors';

/**
 * The steps of the related-posts ranking that do not depend on where the index is kept: the
 * in-memory `RelatedIndex` and a store-backed index (packages/posts, related-store) both call
 * these, so that the two give the same lists for the same sequence of changes.
 */

/** What the engine reads of a published post. */
export interface RelatedDocument {
  id: string;
  title: string;
  /** Plain-text body (see `htmlToPlainText`). */
  text: string;
  /** Tag slugs. */
  tags: readonly string[];
  category: string | null;
}

export interface RelatedEntry {
  id: string;
  /** Similarity in [0, 1.5]: a cosine in [0, 1], times 1.5 when both posts share a category. */
  score: number;
}

export const DEFAULT_RELATED_COUNT = 3;
export const MAX_RELATED_COUNT = 10;

// A tag is the author's own label for the post; its words count as one mention in the body.
// Tags go through the same analysis as text ("career-fair" → career, fair) rather than being
// matched as opaque slugs, so "resume" and "resume-tips" meet, and IDF makes a tag that every
// post carries count for almost nothing. On the labelled sample tags as terms raised
// precision@3 from 0.63 to 0.65 (one mention: 0.63, three: 0.67). Each distinct tag is also a
// feature of the tag field (TAG_FIELD in vectors.ts, issue 16): on that first sample a field of
// tag slugs lowered precision, on the two labelled corpora now in the repository it raises it.
// Two mentions until RANKING_VERSION 5: one is part of the configuration chosen by its worst
// figure over three labelled corpora (scripts/related-engine-grid.js --structure, related README).
export const TAG_TERM_COUNT = 1;

// Multiplier for two posts of the same category: the editors' own grouping is strong evidence,
// but a post in another category that is clearly closer in content (over 1.5× the similarity)
// still ranks first. Multiplicative, so that posts sharing no term stay unrelated and the
// category never has to be searched as a posting list.
export const SAME_CATEGORY_FACTOR = 1.5;

// Nearest neighbors (by the first-pass similarity) whose words are added to a post's vector as
// pseudo-relevance feedback (see `expandWithFeedback`). A handful, as in the PRF literature: on
// the first labelled sample, 3 to 10 (with β from 0.5 to 1) all gave precision@3 within
// 0.69–0.73. Issue 16, part 1 chose 7 on fixtures/sample-blog.json (with β 1, the tag cap and
// the title cap 0.005; scripts/related-engine-grid.js): 5 there gives 0.847 / 0.688 (sample /
// eval-b), 7 gives 0.868 / 0.724; 7 is also what keeps the lists built post by post, before any
// recompute, as precise as before on the sample (0.792; 0.757 before part 1). It costs no walk:
// the same search finds them, and their base vectors are summed into the centroid.
export const FEEDBACK_POSTS = 7;

// Features of a post's base vector that search for its feedback posts: the heavier half of the
// MAX_FEATURES it keeps. That search only has to find the few nearest posts, and the heaviest
// features are the post's most telling words: the heavier half carries ~85% of a vector's
// squared weight (85% on the labelled sample, 88% on the bench's synthetic posts), so leaving
// out the rest moves any similarity by at most their norm (~0.38), and mostly far less. The
// lighter half are the commoner words, with the longest posting lists: at 20,000 bench posts
// they were half of the postings this search read. The ranked vectors, and so the stored lists,
// are unaffected: they are still compared in full, which is what keeps updates exact. On the
// sample, 16 to 48 features gave precision@3 0.708–0.743 (all 64: 0.729).
export const FEEDBACK_QUERY_FEATURES = 32;

/** A scored neighbor, as kept in lists: best first, ties by id. */
export interface Ranked {
  readonly id: string;
  readonly score: number;
}

export function ranksBefore(aScore: number, aId: string, b: Ranked): boolean {
  return aScore > b.score || (aScore === b.score && aId < b.id);
}

/** Inserts into a best-first list; false (and no change) when it would land past `capacity`. */
export function insertRanked<T extends Ranked>(list: T[], entry: T, capacity: number): boolean {
  let at = list.length;
  while (at > 0 && ranksBefore(entry.score, entry.id, list[at - 1]!)) at--;
  if (at >= capacity) return false;
  list.splice(at, 0, entry);
  return true;
}

/**
 * The lowest score that may enter a list (0: any positive score fits, the list holds every
 * post with a positive score; Infinity: an empty list that is not known to be complete).
 */
export function listThreshold(list: readonly Ranked[], complete: boolean): number {
  const last = list[list.length - 1];
  return complete ? 0 : last === undefined ? Infinity : last.score;
}

/**
 * Offers `candidate` to a post's best-first `list` (up to `capacity`): it enters if that keeps
 * the list the exact top of its length, i.e. when it ranks above the last entry or the list
 * holds every positive-score post (`complete`). Returns whether it entered, the entry that fell
 * off the end, and whether the list is still complete.
 */
export function offerToList<T extends Ranked>(
  list: T[],
  complete: boolean,
  candidate: T,
  capacity: number,
): { entered: boolean; dropped: T | undefined; complete: boolean } {
  const last = list[list.length - 1];
  if (!complete && (last === undefined || !ranksBefore(candidate.score, candidate.id, last))) {
    return { entered: false, dropped: undefined, complete };
  }
  insertRanked(list, candidate, capacity + 1);
  const dropped = list.length > capacity ? list.pop() : undefined;
  return { entered: true, dropped, complete: complete && list.length < capacity };
}

/** The best `count` of scored candidates, best first (ties by id). */
export function bestOf<T extends Ranked>(candidates: Iterable<T>, count: number): T[] {
  const best: T[] = [];
  for (const candidate of candidates) {
    if (best.length === count && !ranksBefore(candidate.score, candidate.id, best[best.length - 1]!)) continue;
    if (insertRanked(best, candidate, count) && best.length > count) best.pop();
  }
  return best;
}

export function validateCount(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > MAX_RELATED_COUNT) {
    throw new RangeError(`k must be an integer from 1 to ${MAX_RELATED_COUNT}, got ${k}`);
  }
  return k;
}

export function validateDocument(doc: RelatedDocument): void {
  if (typeof doc !== 'object' || doc === null) throw new TypeError('a related document must be an object');
  if (typeof doc.id !== 'string' || doc.id === '') throw new TypeError('document id must be a non-empty string');
  if (typeof doc.title !== 'string' || typeof doc.text !== 'string') {
    throw new TypeError(`document ${doc.id}: title and text must be strings`);
  }
  if (!Array.isArray(doc.tags) || !doc.tags.every((tag) => typeof tag === 'string')) {
    throw new TypeError(`document ${doc.id}: tags must be an array of strings`);
  }
  if (doc.category !== null && typeof doc.category !== 'string') {
    throw new TypeError(`document ${doc.id}: category must be a string or null`);
  }
}

function countTermsOf(terms: readonly string[], by: number, into: Map<string, number>): void {
  for (const term of terms) into.set(term, (into.get(term) ?? 0) + by);
}

/**
 * A post's terms and their counts per field (title, content, tags), by term text; tag keys are
 * '#' and the tag's stemmed words.
 */
export function analyzeDocument(
  analyzer: TermAnalyzer,
  doc: RelatedDocument,
): [Map<string, number>, Map<string, number>, Map<string, number>] {
  const title = new Map<string, number>();
  const content = new Map<string, number>();
  const tags = new Map<string, number>();
  countTermsOf(analyzer.terms(doc.title), 1, title);
  countTermsOf(analyzer.terms(doc.text), 1, content);
  for (const tag of new Set(doc.tags)) {
    const words = analyzer.terms(tag.replace(/[-_]+/g, ' '));
    countTermsOf(words, TAG_TERM_COUNT, content);
    if (words.length > 0) tags.set(`#${words.join(' ')}`, 1);
  }
  return [title, content, tags];
}

/** One field's counts with the terms replaced by their ids, sorted by id. */
export function toFieldCounts(counts: ReadonlyMap<string, number>, termId: (term: string) => number): FieldCounts {
  // Distinct terms have distinct ids; sorted through an index array, without a map per field.
  const ids = new Int32Array(counts.size);
  const values = new Float32Array(counts.size);
  let n = 0;
  for (const [term, count] of counts) {
    ids[n] = termId(term);
    values[n++] = count;
  }
  const order = new Uint32Array(n).map((_, i) => i).sort((a, b) => ids[a]! - ids[b]!);
  const terms = new Int32Array(n);
  const sorted = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    terms[i] = ids[order[i]!]!;
    sorted[i] = values[order[i]!]!;
  }
  return { terms, counts: sorted };
}

function sameFieldCounts(a: FieldCounts, b: FieldCounts): boolean {
  if (a.terms.length !== b.terms.length) return false;
  for (let i = 0; i < a.terms.length; i++) {
    if (a.terms[i] !== b.terms[i] || a.counts[i] !== b.counts[i]) return false;
  }
  return true;
}

export function sameFields(a: PostFields, b: PostFields): boolean {
  return sameFieldCounts(a[0], b[0]) && sameFieldCounts(a[1], b[1]) && sameFieldCounts(a[2], b[2]);
}

/** Calls `visit` once for each distinct term id of the fields (each field is sorted by id). */
export function forEachDistinctTerm(fields: PostFields, visit: (id: number) => void): void {
  const [a, b] = [fields[0].terms, fields[1].terms];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length || (i < a.length && a[i]! < b[j]!)) visit(a[i++]!);
    else if (i === a.length || b[j]! < a[i]!) visit(b[j++]!);
    else {
      visit(a[i++]!);
      j++;
    }
  }
  // Tag keys ('#…') are terms of their own, never a title or content word.
  for (const id of fields[2].terms) visit(id);
}

/** The posts having one feature (`slots`) and their weights for it; the first `length` count. */
export interface PostingEntries {
  readonly slots: Int32Array;
  readonly weights: Float32Array;
  readonly length: number;
}

/** A growable posting list: the posts having one feature, with their weights for it. */
export class PostingList implements PostingEntries {
  slots: Int32Array = new Int32Array(4);
  weights: Float32Array = new Float32Array(4);
  length = 0;

  /** A list holding the first `length` entries of `slots` and `weights` (taken, not copied). */
  static of(slots: Int32Array, weights: Float32Array, length: number): PostingList {
    const list = new PostingList();
    if (length > 0) {
      list.slots = slots;
      list.weights = weights;
      list.length = length;
    }
    return list;
  }

  add(slot: number, weight: number): void {
    if (this.length === this.slots.length) {
      const slots = new Int32Array(Math.max(4, this.length * 2));
      slots.set(this.slots);
      this.slots = slots;
      const weights = new Float32Array(Math.max(4, this.length * 2));
      weights.set(this.weights);
      this.weights = weights;
    }
    this.slots[this.length] = slot;
    this.weights[this.length] = weight;
    this.length++;
  }

  remove(slot: number): void {
    const last = this.length - 1;
    for (let i = 0; i <= last; i++) {
      if (this.slots[i] === slot) {
        // Order within a posting list does not matter: each candidate's score receives at most
        // one product per feature, added in the query's feature order.
        this.slots[i] = this.slots[last]!;
        this.weights[i] = this.weights[last]!;
        this.length = last;
        return;
      }
    }
  }
}

/**
 * The walk of posting lists that scores a vector against every post sharing a feature with it:
 * per-slot accumulators (all zero between calls) and the touched slots with their sums. Kept
 * as one object per index so that an update allocates nothing per posting.
 */
export class PostingsWalk {
  private accumulators = new Float64Array(1024);
  /** Slots touched by the last `walk`, in the order first touched; `sums` holds their sums. */
  slots = new Int32Array(1024);
  sums = new Float64Array(1024);
  /** Posting entries read by all walks. */
  postingsRead = 0;

  /**
   * Adds up, for every slot in the postings of `vector`'s features, the products of the shared
   * features' weights (each feature's product at most `titleCap` for a title feature), in the
   * vector's feature order, so that the sum is the same to the last bit whichever side is the
   * query. Returns the number of slots touched (their sums are positive).
   */
  walk(vector: FeatureVector, postingsOf: (feature: number) => PostingEntries | undefined, titleCap: number): number {
    const { features, weights } = vector;
    let accumulators = this.accumulators;
    let slotsOut = this.slots;
    let count = 0;
    for (let i = 0; i < features.length; i++) {
      const list = postingsOf(features[i]!);
      if (list === undefined) continue;
      const weight = weights[i]!;
      const cap = features[i]! % FIELDS === TITLE_FIELD ? titleCap : Infinity;
      const { slots, weights: otherWeights, length } = list;
      this.postingsRead += length;
      for (let j = 0; j < length; j++) {
        const slot = slots[j]!;
        if (slot >= accumulators.length) {
          const grown = new Float64Array(Math.max(slot + 1, accumulators.length * 2));
          grown.set(accumulators);
          accumulators = grown;
          this.accumulators = grown;
        }
        const sum = accumulators[slot]!;
        // Weights are positive, so 0 means "not touched yet in this call".
        if (sum === 0) {
          if (count === slotsOut.length) {
            const grown = new Int32Array(count * 2);
            grown.set(slotsOut);
            slotsOut = grown;
            this.slots = grown;
          }
          slotsOut[count++] = slot;
        }
        accumulators[slot] = sum + Math.min(weight * otherWeights[j]!, cap);
      }
    }
    if (this.sums.length < slotsOut.length) this.sums = new Float64Array(slotsOut.length);
    const sums = this.sums;
    for (let i = 0; i < count; i++) {
      const slot = slotsOut[i]!;
      sums[i] = accumulators[slot]!;
      accumulators[slot] = 0;
    }
    return count;
  }
}
