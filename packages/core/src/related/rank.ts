import { TermAnalyzer } from './analyze';
import {
  DEFAULT_RELATED_COUNT,
  MAX_RELATED_COUNT,
  type RelatedDocument,
  type RelatedEntry,
  RelatedIndex,
} from './related-index';
import { inverseDocumentFrequency } from './vectors';

/**
 * Pure entry points: whole-corpus rankings computed from scratch. `rankAll` is the engine's
 * reference result (what `RelatedIndex.rebuild` produces); the baselines are what it is
 * measured against.
 */

/** The related lists of every post of `docs`, computed in one pass. */
export function rankAll(
  docs: Iterable<RelatedDocument>,
  k: number = DEFAULT_RELATED_COUNT,
): Map<string, RelatedEntry[]> {
  return RelatedIndex.build(docs, { k }).lists();
}

/** The related posts of `doc` among `candidates` (the corpus statistics are theirs and its). */
export function rankRelated(
  doc: RelatedDocument,
  candidates: Iterable<RelatedDocument>,
  k: number = DEFAULT_RELATED_COUNT,
): RelatedEntry[] {
  const others = [...candidates].filter((candidate) => candidate.id !== doc.id);
  return RelatedIndex.build([...others, doc], { k }).related(doc.id);
}

function validateCount(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_RELATED_COUNT) {
    throw new RangeError(`k must be an integer from 1 to ${MAX_RELATED_COUNT}, got ${k}`);
  }
}

/** Top k of each row of a symmetric score function, ties by id, zero scores left out. */
function topK(
  docs: readonly RelatedDocument[],
  k: number,
  similarity: (a: number, b: number) => number,
): Map<string, RelatedEntry[]> {
  validateCount(k);
  const lists = new Map<string, RelatedEntry[]>();
  docs.forEach((doc, i) => {
    const scored: RelatedEntry[] = [];
    docs.forEach((other, j) => {
      if (i === j || other.id === doc.id) return;
      const score = similarity(i, j);
      if (score > 0) scored.push({ id: other.id, score });
    });
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    lists.set(doc.id, scored.slice(0, k));
  });
  return lists;
}

/**
 * Baseline: rank by the number of tags two posts share (what "related by tags" plugins do),
 * ties by id. Quadratic; for measurement only.
 */
export function tagsOnlyBaseline(
  docs: readonly RelatedDocument[],
  k: number = DEFAULT_RELATED_COUNT,
): Map<string, RelatedEntry[]> {
  const tagSets = docs.map((doc) => new Set(doc.tags));
  return topK(docs, k, (a, b) => {
    let shared = 0;
    for (const tag of tagSets[a]!) if (tagSets[b]!.has(tag)) shared++;
    return shared;
  });
}

/**
 * Baseline: plain TF-IDF cosine over title and body as one bag of words (same tokenizer,
 * stopwords and stemmer as the engine, no fields, no tags, no category). Quadratic; for
 * measurement only.
 */
export function tfidfBaseline(
  docs: readonly RelatedDocument[],
  k: number = DEFAULT_RELATED_COUNT,
): Map<string, RelatedEntry[]> {
  const analyzer = new TermAnalyzer();
  const counts = docs.map((doc) => {
    const bag = new Map<string, number>();
    for (const term of analyzer.terms(`${doc.title}\n${doc.text}`)) bag.set(term, (bag.get(term) ?? 0) + 1);
    return bag;
  });
  const df = new Map<string, number>();
  for (const bag of counts) for (const term of bag.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const vectors = counts.map((bag) => {
    const vector = new Map<string, number>();
    let squares = 0;
    for (const [term, count] of bag) {
      const weight = (1 + Math.log(count)) * inverseDocumentFrequency(df.get(term)!, docs.length);
      vector.set(term, weight);
      squares += weight * weight;
    }
    const norm = Math.sqrt(squares) || 1;
    for (const [term, weight] of vector) vector.set(term, weight / norm);
    return vector;
  });
  return topK(docs, k, (a, b) => {
    let dot = 0;
    for (const [term, weight] of vectors[a]!) dot += weight * (vectors[b]!.get(term) ?? 0);
    return dot;
  });
}
