/**
 * Ranking methods compared by `bench:related-quality`: quadratic, whole-corpus implementations of
 * what the field uses for "related posts" beyond TF-IDF and tags, so that each idea can be measured
 * on its own before any of it goes into the incremental engine (packages/core/src/related).
 * For measurement only: every method here scores all pairs of posts.
 *
 * One configurable method (`rankWithMethod`) covers the ideas tried: BM25 or log TF, residual
 * IDF, title and tag words as extra mentions, adjacent-term bigrams, IDF-weighted tag overlap with
 * tag co-occurrence, LSA (truncated SVD of the TF-IDF matrix, via ml-matrix), Rocchio feedback.
 */
import { type RelatedDocument, type RelatedEntry, TermAnalyzer } from '@careerfeed/core';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

export interface MethodOptions {
  /** 'log': 1 + ln tf; 'bm25': tf (k1 + 1) / (tf + k1 (1 − b + b · len / avglen)). */
  tf: 'log' | 'bm25';
  bm25B: number;
  /** Residual IDF weight beside BM25 IDF (Church & Gale); 0 leaves BM25 IDF alone. */
  ridf: number;
  /** Each title word counts as this many mentions (0: title ignored). */
  titleBoost: number;
  /** Each word of a tag counts as this many mentions. */
  tagWords: number;
  /** Adjacent-term bigrams as extra features, each mention counting this much (0: none). */
  bigrams: number;
  /** Share of the score from cosine in an LSA space of `lsaDims` dimensions (0: none). */
  lsa: number;
  /** LSA dimensions; below 1 it is that fraction of the number of posts. */
  lsaDims: number;
  /** Share of the score from IDF-weighted tag cosine (0: none). */
  tags: number;
  /** Weight of co-occurring tags added to a post's tag vector (0: none). */
  tagCooccurrence: number;
  /** Rocchio feedback: β (0: none) and the number of feedback posts. */
  feedback: number;
  feedbackPosts: number;
}

export const PLAIN_TFIDF: MethodOptions = {
  tf: 'log',
  bm25B: 0.75,
  ridf: 0,
  titleBoost: 1,
  tagWords: 0,
  bigrams: 0,
  lsa: 0,
  lsaDims: 0,
  tags: 0,
  tagCooccurrence: 0,
  feedback: 0,
  feedbackPosts: 5,
};

type Sparse = Map<string, number>;

function bm25Idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

function residualIdf(df: number, cf: number, n: number): number {
  return Math.max(0, Math.log(n / df) + Math.log(1 - Math.exp(-cf / n)));
}

function normalize(vector: Sparse): Sparse {
  let squares = 0;
  for (const w of vector.values()) squares += w * w;
  const norm = Math.sqrt(squares) || 1;
  for (const [key, w] of vector) vector.set(key, w / norm);
  return vector;
}

function dot(a: Sparse, b: Sparse): number {
  if (a.size > b.size) [a, b] = [b, a];
  let sum = 0;
  for (const [key, w] of a) {
    const other = b.get(key);
    if (other !== undefined) sum += w * other;
  }
  return sum;
}

function addScaled(into: Sparse, from: Sparse, scale: number): void {
  for (const [key, w] of from) into.set(key, (into.get(key) ?? 0) + w * scale);
}

/** A tag slug as a comparable key: case, separators and word endings unified ("Grad School" = "grad-schools"). */
function tagKey(analyzer: TermAnalyzer, tag: string): string {
  return analyzer.terms(tag.replace(/[-_]+/g, ' ')).join(' ');
}

/** Lexical vectors: weighted term counts of title, body, tag words and bigrams, L2-normalized. */
function lexicalVectors(docs: readonly RelatedDocument[], options: MethodOptions, analyzer: TermAnalyzer): Sparse[] {
  const bags = docs.map((doc) => {
    const bag: Sparse = new Map();
    const add = (term: string, count: number): void => {
      if (count > 0) bag.set(term, (bag.get(term) ?? 0) + count);
    };
    const body = analyzer.terms(doc.text);
    const title = analyzer.terms(doc.title);
    for (const term of body) add(term, 1);
    for (const term of title) add(term, options.titleBoost);
    for (const tag of doc.tags)
      for (const term of analyzer.terms(tag.replace(/[-_]+/g, ' '))) add(term, options.tagWords);
    if (options.bigrams > 0) {
      for (const words of [title, body]) {
        for (let i = 1; i < words.length; i++) add(`${words[i - 1]}_${words[i]}`, options.bigrams);
      }
    }
    return bag;
  });
  const n = docs.length;
  const df = new Map<string, number>();
  const cf = new Map<string, number>();
  const lengths = bags.map((bag) => {
    let length = 0;
    for (const [term, count] of bag) {
      df.set(term, (df.get(term) ?? 0) + 1);
      cf.set(term, (cf.get(term) ?? 0) + count);
      length += count;
    }
    return length;
  });
  const averageLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, n);
  return bags.map((bag, i) => {
    const vector: Sparse = new Map();
    for (const [term, count] of bag) {
      const termDf = df.get(term)!;
      if (termDf < 2) continue; // a term only this post has cannot relate it to another
      const tf =
        options.tf === 'log'
          ? count >= 1
            ? 1 + Math.log(count)
            : count
          : (count * 2.2) / (count + 1.2 * (1 - options.bm25B + (options.bm25B * lengths[i]!) / averageLength));
      const idf = bm25Idf(termDf, n) + options.ridf * residualIdf(termDf, cf.get(term)!, n);
      vector.set(term, tf * idf);
    }
    return normalize(vector);
  });
}

/** IDF-weighted tag vectors, optionally smoothed by tag co-occurrence, L2-normalized. */
function tagVectors(docs: readonly RelatedDocument[], options: MethodOptions, analyzer: TermAnalyzer): Sparse[] {
  const keys = docs.map((doc) => [...new Set(doc.tags.map((tag) => tagKey(analyzer, tag)).filter((k) => k !== ''))]);
  const df = new Map<string, number>();
  for (const tags of keys) for (const tag of tags) df.set(tag, (df.get(tag) ?? 0) + 1);
  const n = docs.length;
  // Co-occurrence: P(other tag | tag), over the posts that carry the tag.
  const cooccur = new Map<string, Sparse>();
  for (const tags of keys) {
    for (const a of tags) {
      const row = cooccur.get(a) ?? new Map<string, number>();
      for (const b of tags) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1 / df.get(a)!);
      cooccur.set(a, row);
    }
  }
  return keys.map((tags) => {
    const vector: Sparse = new Map();
    for (const tag of tags) vector.set(tag, bm25Idf(df.get(tag)!, n));
    if (options.tagCooccurrence > 0) {
      const own = new Map(vector);
      for (const [tag, weight] of own) {
        for (const [other, p] of cooccur.get(tag) ?? []) {
          vector.set(
            other,
            (vector.get(other) ?? 0) + options.tagCooccurrence * weight * p * bm25Idf(df.get(other)!, n),
          );
        }
      }
    }
    return normalize(vector);
  });
}

/** Row vectors of the posts in an LSA space: U_k Σ_k of the TF-IDF matrix, rows L2-normalized. */
function lsaVectors(vectors: readonly Sparse[], dims: number): number[][] {
  const terms = new Map<string, number>();
  for (const vector of vectors) for (const term of vector.keys()) if (!terms.has(term)) terms.set(term, terms.size);
  const matrix = Matrix.zeros(vectors.length, Math.max(1, terms.size));
  vectors.forEach((vector, row) => {
    for (const [term, weight] of vector) matrix.set(row, terms.get(term)!, weight);
  });
  const svd = new SingularValueDecomposition(matrix, {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  const k = Math.max(1, Math.min(dims < 1 ? Math.round(dims * vectors.length) : dims, svd.diagonal.length));
  const u = svd.leftSingularVectors;
  return vectors.map((_, row) => {
    const out: number[] = [];
    for (let d = 0; d < k; d++) out.push(u.get(row, d) * svd.diagonal[d]!);
    const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
    return out.map((x) => x / norm);
  });
}

/** Score matrix of a method: every pair of posts. */
export function methodScores(docs: readonly RelatedDocument[], options: MethodOptions): number[][] {
  const analyzer = new TermAnalyzer();
  let lexical = lexicalVectors(docs, options, analyzer);
  const lexicalShare = 1 - options.lsa - options.tags;
  const tagVecs = options.tags > 0 ? tagVectors(docs, options, analyzer) : [];
  const score = (vectors: readonly Sparse[], lsa: number[][]): number[][] =>
    docs.map((_, i) =>
      docs.map((__, j) => {
        if (i === j) return -Infinity;
        let s = lexicalShare * dot(vectors[i]!, vectors[j]!);
        if (options.lsa > 0)
          s +=
            options.lsa *
            Math.max(
              0,
              lsa[i]!.reduce((sum, x, d) => sum + x * lsa[j]![d]!, 0),
            );
        if (options.tags > 0) s += options.tags * dot(tagVecs[i]!, tagVecs[j]!);
        return s;
      }),
    );
  let lsa = options.lsa > 0 ? lsaVectors(lexical, options.lsaDims) : [];
  let scores = score(lexical, lsa);
  if (options.feedback > 0) {
    // Rocchio: each post's vector plus β times the score-weighted centroid of its nearest posts.
    lexical = lexical.map((vector, i) => {
      const nearest = scores[i]!.map((s, j) => ({ s, j }))
        .filter(({ s }) => s > 0 && Number.isFinite(s))
        .sort((a, b) => b.s - a.s)
        .slice(0, options.feedbackPosts);
      const centroid: Sparse = new Map();
      for (const { s, j } of nearest) addScaled(centroid, lexical[j]!, s);
      const expanded = new Map(vector);
      addScaled(expanded, normalize(centroid), options.feedback);
      return normalize(expanded);
    });
    if (options.lsa > 0) lsa = lsaVectors(lexical, options.lsaDims);
    scores = score(lexical, lsa);
  }
  return scores;
}

/** Related lists of a method; ties broken by the later post (recency), then id. */
export function rankWithMethod(
  docs: readonly RelatedDocument[],
  options: MethodOptions,
  k: number,
): Map<string, RelatedEntry[]> {
  const scores = methodScores(docs, options);
  const lists = new Map<string, RelatedEntry[]>();
  docs.forEach((doc, i) => {
    const row = docs
      .map((other, j) => ({ id: other.id, score: scores[i]![j]!, j }))
      .filter((entry) => entry.j !== i && entry.score > 0)
      .sort((a, b) => b.score - a.score || b.j - a.j);
    lists.set(
      doc.id,
      row.slice(0, k).map(({ id, score }) => ({ id, score })),
    );
  });
  return lists;
}
