/**
 * Term weighting of the related-posts engine: a post becomes one sparse vector whose features
 * are (term, field) pairs, so that the similarity of two posts is a single dot product and is
 * symmetric by construction.
 */

/** Term counts of one field of a post, sorted by term id. */
export interface FieldCounts {
  readonly terms: Int32Array;
  readonly counts: Float32Array;
}

/**
 * A post's weighted features (`termId * FIELDS + field`), in the canonical order of their terms'
 * text (see `weighFeatures`).
 */
export interface FeatureVector {
  readonly features: Int32Array;
  readonly weights: Float32Array;
}

export const TITLE_FIELD = 0;
export const CONTENT_FIELD = 1;
export const TAG_FIELD = 2;
export const FIELDS = 3;

/** A post's fields: title, content (body and tag words) and tags, each sorted by term id. */
export type PostFields = readonly [FieldCounts, FieldCounts, FieldCounts];

// Share of the similarity that comes from title-to-title, content-to-content and tag-to-tag
// matches. A title is the author's one-line statement of what the post is about, so in posts of a
// few hundred words it is as much evidence of the topic as the whole body; mixed into the body
// vector instead, its few words are drowned. On the first labelled sample, separate fields raised
// precision@3 from 0.60 to 0.65, and title shares from 0.3 to 0.5 all gave 0.65–0.67: equal
// shares of title and content are the unbiased choice within that plateau.
//
// Tags (issue 16): each distinct tag, as its stemmed words ("Grad School" = "grad-schools"), is a
// feature of a third field weighted by its IDF, so two posts sharing a rare tag count for more
// than two sharing a tag on every post; tag words also stay in the content field as before.
//
// The shares (RANKING_VERSION 5, issue 16, part 2): tags 0.05 of the vector, the title 0.2 of
// the rest, the content the remaining 0.76. Version 4 had tags 0.1 and the title half of the
// rest, chosen on fixtures/sample-blog.json, whose titles name the topic and whose tags mostly
// name it too. On a third corpus (eval_c, generic titles like "Recap: …", tags like "events" and
// "advice" across topics) it scored 0.458, below plain TF-IDF (0.651). These shares come from a
// grid over tag share, title share, tag cap, residual IDF and tag mentions, choosing the highest
// worst figure over the three corpora. Precision@3 sample / eval_b / eval_c: version 4 0.868 /
// 0.724 / 0.458; now 0.674 / 0.766 / 0.625. On a fourth corpus written afterwards and never
// chosen on, it got 0.927 where every post carries its section tag and 0.875 where tags are loose
// (version 4: 0.906 / 0.604). See the related README, "Issue 16, part 2".
export const TAG_SHARE = 0.05;

/** The title's part of what is not the tags' share (the content has the rest); see above. */
export const TITLE_SHARE = 0.2;

/**
 * Most weight (the "IDF" factor) one tag may have in the tag field. BM25's IDF is at least 1 for
 * a tag on fewer than ~37% of the posts, so every such tag weighs the same and only tags on more
 * posts than that are discounted. IDF's reason to favour rare words (a common word says little
 * about the topic) does not carry over to tags: an author picks a post's few tags, and the tags a
 * blog uses most are its topic tags, exactly what related posts share. Under full IDF, a tag no
 * other post has (57 of the sample's 84 tags, 86 of eval-b's 121) weighed most and took most of
 * the field's unit length, so a post's shared topic tag counted for little. The cap keeps IDF's
 * discount of a tag on most posts. Alone: precision@3 sample / eval-b 0.715 / 0.688 → 0.826 /
 * 0.682; with the other issue-16 part-1 changes (title cap 0.005, 7 feedback posts, β 1) 0.868 /
 * 0.724, against 0.743 / 0.708 with full IDF (scripts/related-engine-grid.js, related README).
 */
export const MAX_TAG_WEIGHT = 1;
const FIELD_SHARE = [(1 - TAG_SHARE) * TITLE_SHARE, (1 - TAG_SHARE) * (1 - TITLE_SHARE), TAG_SHARE] as const;

/**
 * Most that one shared title feature may add to the similarity of two ranked vectors (at most 1).
 * A title has a handful of words in a field worth half the vector, so each title word weighs
 * ~4× a body word (median weights on the labelled sample 0.105 against 0.074), and one title
 * word shared by two posts added up to 0.37 there, more than any other single agreement
 * (shared body words: median 0.005, 90th percentile 0.013, max 0.08). A title word with two
 * senses then decides alone: "letter" of recommendation and cover letter, "LinkedIn" for
 * networking and for a personal brand, "interview" for an informational interview. Capped at
 * about what a strongly shared body word adds, titles count by how many words they share, not
 * by the weight of one. Only the final similarity is capped, not the search for feedback posts
 * (capping that lowered every figure). The cap keeps the similarity symmetric and a sum of
 * positive per-feature parts, so the index walks postings as before.
 *
 * On the labelled sample (precision@3 whole file / resampled means halves, two-thirds, two
 * topics out): no cap 0.729 / 0.503 / 0.668 / 0.766; 0.005: 0.757 / 0.518 / 0.674 / 0.778;
 * 0.01: 0.764 / 0.515 / 0.681 / 0.772; 1/64: 0.750 / 0.514 / 0.679 / 0.772; 0.02: 0.743 /
 * 0.514 / 0.677 / 0.770; 0.04: 0.722 / 0.510 / 0.675 / 0.762 (the same cap on body words
 * too: 0.729 / 0.509 / 0.680 / 0.754 at 0.01). 0.01 was the middle of that plateau.
 *
 * Issue 16, part 1: 0.005 on the two labelled corpora now in the repository, chosen on the
 * sample with the tag cap, feedback posts and β (scripts/related-engine-grid.js) and raising
 * eval-b, on which nothing was chosen: alone 0.715 / 0.688 → 0.757 / 0.698 (sample / eval-b);
 * in the chosen configuration 0.868 / 0.724, against 0.854 / 0.708 with 0.01.
 */
export const MAX_TITLE_TERM_CONTRIBUTION = 0.005;

// Features kept per post. Scoring walks the posting list of every kept feature, so this bounds
// the cost of an update; dropping a post's lightest features lowers its similarities only by
// what those features carried. Posts of the sample blog (73–96 distinct terms) keep ~97% of
// their squared weight; synthetic 300-word posts (~210 distinct terms) keep ~80%, the part
// carried by their rarer, more telling words. Keeping everything changed precision@3 on the
// sample by one link in 144.
export const MAX_FEATURES = 64;

/**
 * BM25's IDF (Robertson–Spärck Jones with +1 inside the log, as in Lucene): always positive,
 * near 0 for a term that every post has, so such a term, or a tag on every post, counts little.
 */
export function inverseDocumentFrequency(documentFrequency: number, documents: number): number {
  return Math.log(1 + (documents - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

// Weight of residual IDF beside BM25's IDF (see `termSpecificity`). Every value from 0.25 to 2
// raised precision@3 on the resampled labelled sample (random halves, four posts of six per
// topic, two topics left out); 0.5 and below left the synthetic 12-post corpus of the quality
// test unchanged, above it a word with two senses ("water" in gardening and sailing posts) is
// boosted for being bursty in both. Half was the engine's until RANKING_VERSION 5; 1 is part of
// the configuration chosen by its worst figure over three labelled corpora (related README,
// "Issue 16, part 2"), and the synthetic 12-post corpus went from 0.889 to 0.917 with it.
export const RESIDUAL_IDF_WEIGHT = 1;

/**
 * Residual IDF (Church & Gale, "Inverse document frequency (IDF): a measure of deviations from
 * Poisson", 1995): the observed IDF, log(N / df), minus the IDF a Poisson-distributed term of the
 * same collection frequency would have, −log(1 − e^(−cf / N)); never below 0. A word that carries
 * a topic comes in bursts: the posts that use it use it several times, so it is in fewer posts
 * than its total count predicts. A word used once here and there ("week", "send", "lot") is not.
 * For cf ≪ N it is ≈ log(cf / df), the log of the word's mean count in the posts that have it.
 * Computed from df and cf alone, so it is as incremental as IDF.
 */
export function residualInverseDocumentFrequency(
  documentFrequency: number,
  collectionFrequency: number,
  documents: number,
): number {
  if (documentFrequency <= 0 || collectionFrequency <= 0 || documents <= 0) return 0;
  const residual = Math.log(documents / documentFrequency) + Math.log(1 - Math.exp(-collectionFrequency / documents));
  return Math.max(0, residual);
}

/**
 * The engine's term weight (the "IDF" given to `weighFeatures`): BM25's IDF plus
 * RESIDUAL_IDF_WEIGHT × residual IDF. IDF alone ranks a word by how few posts have it, which
 * makes a word that two posts share by accident (each mentions it once) as telling as a topic
 * word of the same rarity; residual IDF separates the two by burstiness. On the labelled sample
 * it mostly demotes generic verbs and nouns that posts of every topic mention once.
 */
export function termSpecificity(documentFrequency: number, collectionFrequency: number, documents: number): number {
  return (
    inverseDocumentFrequency(documentFrequency, documents) +
    RESIDUAL_IDF_WEIGHT * residualInverseDocumentFrequency(documentFrequency, collectionFrequency, documents)
  );
}

/**
 * Sublinear TF × IDF per field, each field scaled to unit length and then to the square root of
 * its share (shares of empty fields go to the others), so that the dot product of two vectors is
 * the share-weighted sum of the fields' cosine similarities, at most 1. The heaviest
 * `maxFeatures` features are kept; their weights are not rescaled, so dropping light features
 * only lowers similarities slightly and never inflates them.
 */
export function weighFeatures(
  fields: PostFields,
  idf: (termId: number) => number,
  termText: (termId: number) => string,
  maxFeatures: number = MAX_FEATURES,
): FeatureVector {
  const weighted = fields.map(({ terms, counts }, field) => {
    const weights = new Float64Array(terms.length);
    let squares = 0;
    for (let i = 0; i < terms.length; i++) {
      const specificity = field === TAG_FIELD ? Math.min(MAX_TAG_WEIGHT, idf(terms[i]!)) : idf(terms[i]!);
      const weight = (1 + Math.log(counts[i]!)) * specificity;
      weights[i] = weight;
      squares += weight * weight;
    }
    return { terms, weights, norm: Math.sqrt(squares) };
  });
  let activeShare = 0;
  weighted.forEach(({ norm }, field) => {
    if (norm > 0) activeShare += FIELD_SHARE[field as 0 | 1 | 2];
  });
  const features: number[] = [];
  const kept: number[] = [];
  weighted.forEach(({ terms, weights, norm }, field) => {
    if (norm === 0) return;
    const scale = Math.sqrt(FIELD_SHARE[field as 0 | 1 | 2] / activeShare) / norm;
    for (let i = 0; i < terms.length; i++) {
      // Rounded to float32 here, as stored, so that a weight too small for float32 is dropped
      // rather than stored as 0.
      const weight = Math.fround(weights[i]! * scale);
      if (weight > 0) {
        features.push(terms[i]! * FIELDS + field);
        kept.push(weight);
      }
    }
  });
  return canonicalVector(features, kept, (feature) => termText(Math.floor(feature / FIELDS)), maxFeatures);
}

interface FeatureCandidate {
  feature: number;
  text: string;
  weight: number;
}

/**
 * The heaviest `maxFeatures` of the features `features` with weights `weights`, in canonical
 * order. Term ids depend on the order posts arrived in; ties (many words share a count and a
 * document frequency) and summation order are settled by the terms' text instead (then the
 * feature, i.e. the field of one term), so that results do not depend on that order. A dot
 * product then adds the products of shared features in the same order from either side, so
 * sim(a, b) and sim(b, a) are equal to the last bit.
 *
 * The cut is found on the bare weights first, and only the kept features (and those tied at the
 * cut) become objects with their text: a post has a few hundred candidate features, and this
 * runs on every update, where short-lived objects are what the garbage collector pauses for.
 */
function canonicalVector(
  features: ArrayLike<number>,
  weights: ArrayLike<number>,
  featureText: (feature: number) => string,
  maxFeatures: number,
): FeatureVector {
  let cut = -Infinity;
  if (features.length > maxFeatures) {
    const sorted = new Float64Array(weights.length);
    for (let i = 0; i < weights.length; i++) sorted[i] = weights[i]!;
    sorted.sort();
    cut = sorted[sorted.length - maxFeatures]!;
  }
  const candidates: FeatureCandidate[] = [];
  let above = 0;
  for (let i = 0; i < features.length; i++) {
    if (weights[i]! < cut) continue;
    if (weights[i]! > cut) above++;
    candidates.push({ feature: features[i]!, text: featureText(features[i]!), weight: weights[i]! });
  }
  const canonical = (a: FeatureCandidate, b: FeatureCandidate): number =>
    a.text < b.text ? -1 : a.text > b.text ? 1 : a.feature - b.feature;
  if (candidates.length > maxFeatures) {
    // Features tied at the cut: the earlier in canonical order are kept.
    const tied = candidates.filter((c) => c.weight === cut).sort(canonical);
    const admitted = new Set(tied.slice(0, maxFeatures - above));
    candidates.splice(0, candidates.length, ...candidates.filter((c) => c.weight > cut || admitted.has(c)));
  }
  candidates.sort(canonical);
  const vector = { features: new Int32Array(candidates.length), weights: new Float32Array(candidates.length) };
  candidates.forEach((c, i) => {
    vector.features[i] = c.feature;
    vector.weights[i] = c.weight;
  });
  return vector;
}

/**
 * The `count` heaviest features of `vector` (ties: the earlier in canonical order), still in
 * canonical order; `vector` itself when it has no more than that.
 */
export function heaviestFeatures(vector: FeatureVector, count: number): FeatureVector {
  const { features, weights } = vector;
  if (features.length <= count) return vector;
  const kept = Array.from(features.keys())
    .sort((a, b) => weights[b]! - weights[a]! || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
  return {
    features: Int32Array.from(kept, (i) => features[i]!),
    weights: Float32Array.from(kept, (i) => weights[i]!),
  };
}

/** A neighbor found by the first-pass similarity, as pseudo-relevance feedback. */
export interface FeedbackPost {
  readonly vector: FeatureVector;
  readonly score: number;
}

// Rocchio's weights for the original vector and the centroid of the relevant documents. The
// textbook defaults are α = 1, β = 0.75 (Manning, Raghavan & Schütze, "Introduction to Information
// Retrieval", §9.1.1); issue 16, part 1 chose β = 1 on the labelled sample together with 7
// feedback posts (FEEDBACK_POSTS; likely why the two go together: with more neighbours in the
// centroid an accidental word is diluted further, so the centroid can weigh as much as the
// post, while β 1 with 5 posts lowered lists built post by post). Chosen configuration with β
// 0.75 instead: 0.840 / 0.703 (sample / eval-b), with 1: 0.868 / 0.724. There is no γ term:
// pseudo-relevance feedback knows no non-relevant posts.
export const ROCCHIO_ALPHA = 1;
export const ROCCHIO_BETA = 1;

/**
 * Pseudo-relevance feedback (Rocchio): `alpha · vector + beta · centroid`, where the centroid is
 * the similarity-weighted mean of the feedback posts' vectors (a neighbor that is barely similar
 * pulls barely), scaled to unit length; then the heaviest `maxFeatures` features are kept, in
 * canonical order, exactly as `weighFeatures` does. Without feedback posts it is `vector` at unit
 * length.
 *
 * Why: posts of a blog are short, and two posts on one topic often share few words with each
 * other while each shares many with the topic's other posts. Adding the words of a post's nearest
 * neighbors lets those posts meet; a word that one neighbor has by accident is diluted by the
 * others.
 */
export function expandWithFeedback(
  vector: FeatureVector,
  feedback: readonly FeedbackPost[],
  featureText: (feature: number) => string,
  maxFeatures: number = MAX_FEATURES,
  alpha: number = ROCCHIO_ALPHA,
  beta: number = ROCCHIO_BETA,
): FeatureVector {
  // Every contribution, in the order the sums take them: the post's own features (canonical
  // order), then each feedback post's, in the caller's order (best first, ties by id). Summing
  // in this order, and taking the squares for the norm in the order each feature first appears,
  // makes the result independent of term ids (as a map keyed by feature would, with no map).
  let total = 0;
  for (const { score } of feedback) total += score;
  const sources = [vector];
  const scales = [alpha];
  if (total > 0) {
    for (const post of feedback) {
      sources.push(post.vector);
      scales.push((beta * post.score) / total);
    }
  }
  let length = 0;
  for (const source of sources) length += source.features.length;
  const ids = new Int32Array(length);
  const contributions = new Float64Array(length);
  let n = 0;
  sources.forEach(({ features, weights }, s) => {
    for (let i = 0; i < features.length; i++) {
      ids[n] = features[i]!;
      contributions[n++] = scales[s]! * weights[i]!;
    }
  });
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  order.sort((a, b) => ids[a]! - ids[b]! || a - b);
  // Each feature's sum, kept at the position where the feature first appears.
  const sumAt = new Float64Array(length);
  const isFirst = new Uint8Array(length);
  for (let at = 0; at < length;) {
    const first = order[at]!;
    const feature = ids[first]!;
    let sum = 0;
    for (; at < length && ids[order[at]!] === feature; at++) sum += contributions[order[at]!]!;
    sumAt[first] = sum;
    isFirst[first] = 1;
  }
  let squares = 0;
  for (let i = 0; i < length; i++) if (isFirst[i] === 1) squares += sumAt[i]! * sumAt[i]!;
  const norm = Math.sqrt(squares);
  const features = new Int32Array(length);
  const weights = new Float64Array(length);
  let kept = 0;
  for (let i = 0; i < length; i++) {
    if (isFirst[i] !== 1) continue;
    const weight = Math.fround(sumAt[i]! / norm);
    if (weight > 0) {
      features[kept] = ids[i]!;
      weights[kept++] = weight;
    }
  }
  return canonicalVector(features.subarray(0, kept), weights.subarray(0, kept), featureText, maxFeatures);
}
