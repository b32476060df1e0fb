import { RelatedIndex } from './related-index';
import {
  expandWithFeedback,
  type FeatureVector,
  FIELDS,
  heaviestFeatures,
  inverseDocumentFrequency,
  MAX_TAG_WEIGHT,
  type PostFields,
  residualInverseDocumentFrequency,
  ROCCHIO_BETA,
  termSpecificity,
  weighFeatures,
} from './vectors';

const vector = (entries: [number, number][]): FeatureVector => ({
  features: Int32Array.from(entries, ([feature]) => feature),
  weights: Float32Array.from(entries, ([, weight]) => weight),
});
const textOf = (feature: number): string => `t${String(feature).padStart(3, '0')}`;
const weightsOf = ({ features, weights }: FeatureVector): Map<number, number> =>
  new Map([...features].map((feature, i) => [feature, weights[i]!]));

describe('residualInverseDocumentFrequency', () => {
  it('when a word comes in bursts (few posts, several mentions each), then it weighs more than a word of the same document frequency used once per post', () => {
    const bursty = residualInverseDocumentFrequency(10, 40, 1000);
    const scattered = residualInverseDocumentFrequency(10, 10, 1000);
    expect(bursty).toBeGreaterThan(scattered);
    // For cf ≪ N it is about the log of the mean count in the posts that have the word.
    expect(bursty).toBeCloseTo(Math.log(4), 1);
    expect(scattered).toBeCloseTo(0, 1);
  });

  it('when the counts are empty or a word is spread as Poisson predicts, then it is 0, never negative', () => {
    expect(residualInverseDocumentFrequency(0, 0, 100)).toBe(0);
    expect(residualInverseDocumentFrequency(100, 100, 100)).toBe(0);
    expect(residualInverseDocumentFrequency(50, 50, 100)).toBeGreaterThanOrEqual(0);
  });

  it('when combined into the term weight, then BM25 IDF stays the main part', () => {
    expect(termSpecificity(10, 10, 1000)).toBeCloseTo(inverseDocumentFrequency(10, 1000), 1);
    expect(termSpecificity(10, 40, 1000)).toBeGreaterThan(termSpecificity(10, 10, 1000));
  });
});

describe('weighFeatures, tag field', () => {
  const counts = (terms: number[]) => ({
    terms: Int32Array.from(terms),
    counts: Float32Array.from(terms, () => 1),
  });
  // Tags 1, 2 and 3 only (no title, no content), so the tag field holds the whole vector.
  const tagsOnly: PostFields = [counts([]), counts([]), counts([1, 2, 3])];
  const tagWeights = (idf: (id: number) => number): Map<number, number> => {
    const weights = weightsOf(weighFeatures(tagsOnly, idf, (id) => `#t${id}`));
    return new Map([...weights].map(([feature, weight]) => [Math.floor(feature / FIELDS), weight]));
  };

  it('when tags differ in rarity but are each on fewer than about a third of the posts, then they weigh the same', () => {
    // A tag no other post has (IDF 6.2 of 1,000 posts) and one on 20% of them (IDF 1.6): under full
    // IDF the first would take most of the field; capped, a shared topic tag counts as much.
    const idfs = new Map([
      [1, inverseDocumentFrequency(1, 1000)],
      [2, inverseDocumentFrequency(200, 1000)],
      [3, inverseDocumentFrequency(30, 1000)],
    ]);
    expect(Math.min(...idfs.values())).toBeGreaterThan(MAX_TAG_WEIGHT);
    const weights = tagWeights((id) => idfs.get(id)!);
    expect(weights.get(1)).toBeCloseTo(1 / Math.sqrt(3), 6);
    expect(weights.get(2)).toBeCloseTo(weights.get(1)!, 6);
    expect(weights.get(3)).toBeCloseTo(weights.get(1)!, 6);
  });

  it('when a tag is on most posts, then it still weighs less than the others', () => {
    const idfs = new Map([
      [1, inverseDocumentFrequency(900, 1000)],
      [2, inverseDocumentFrequency(5, 1000)],
      [3, inverseDocumentFrequency(5, 1000)],
    ]);
    const weights = tagWeights((id) => idfs.get(id)!);
    expect(weights.get(1)! / weights.get(2)!).toBeCloseTo(idfs.get(1)! / MAX_TAG_WEIGHT, 5);
    expect(weights.get(1)!).toBeLessThan(weights.get(2)! / 5);
  });

  it('when the same weights are title or content words, then IDF is not capped there', () => {
    const idf = (id: number): number => (id === 1 ? 4 : 2);
    const content = weightsOf(weighFeatures([counts([]), counts([1, 2]), counts([])], idf, (id) => `t${id}`));
    const [rare, common] = [1, 2].map((id) => content.get(id * FIELDS + 1)!);
    expect(rare! / common!).toBeCloseTo(2, 5);
  });
});

describe('heaviestFeatures', () => {
  it('when a vector has more features than asked for, then the heaviest are kept in their original order, ties to the earlier', () => {
    const kept = heaviestFeatures(
      vector([
        [3, 0.1],
        [5, 0.5],
        [7, 0.2],
        [9, 0.5],
        [11, 0.2],
      ]),
      3,
    );
    expect([...kept.features]).toEqual([5, 7, 9]);
    expect([...kept.weights]).toEqual([0.5, 0.2, 0.5].map(Math.fround));
  });

  it('when a vector has no more features than asked for, then it is returned as it is', () => {
    const small = vector([[1, 0.5]]);
    expect(heaviestFeatures(small, 3)).toBe(small);
  });
});

describe('expandWithFeedback', () => {
  it('when there are no feedback posts, then it returns the vector at unit length', () => {
    const expanded = weightsOf(
      expandWithFeedback(
        vector([
          [1, 0.3],
          [2, 0.4],
        ]),
        [],
        textOf,
      ),
    );
    expect(expanded.get(1)).toBeCloseTo(0.6, 6);
    expect(expanded.get(2)).toBeCloseTo(0.8, 6);
  });

  it('when feedback posts are given, then their features join the vector in proportion to their similarity', () => {
    const expanded = weightsOf(
      expandWithFeedback(
        vector([[1, 1]]),
        [
          { vector: vector([[2, 1]]), score: 0.3 },
          { vector: vector([[3, 1]]), score: 0.1 },
        ],
        textOf,
      ),
    );
    // 1·own + 0.75·(0.75·f2 + 0.25·f3), then unit length.
    const norm = Math.hypot(1, ROCCHIO_BETA * 0.75, ROCCHIO_BETA * 0.25);
    expect(expanded.get(1)).toBeCloseTo(1 / norm, 6);
    expect(expanded.get(2)).toBeCloseTo((ROCCHIO_BETA * 0.75) / norm, 6);
    expect(expanded.get(3)).toBeCloseTo((ROCCHIO_BETA * 0.25) / norm, 6);
  });

  it('when the expansion has more features than the cap, then the heaviest are kept in canonical order', () => {
    const expanded = expandWithFeedback(
      vector([
        [5, 1],
        [4, 0.5],
      ]),
      [
        {
          vector: vector([
            [1, 0.1],
            [2, 1],
          ]),
          score: 1,
        },
      ],
      textOf,
      3,
    );
    expect([...expanded.features]).toEqual([2, 4, 5]);
  });
});

describe('RelatedIndex with feedback expansion', () => {
  it('when two posts share no word but share a neighbor, then they are related through it', () => {
    const doc = (id: string, title: string, text: string) => ({ id, title, text, tags: [], category: null });
    const index = RelatedIndex.build([
      doc('a', 'Pruning roses', 'Prune climbing roses above an outward bud.'),
      doc('b', 'Roses and hedges', 'Feed roses and hedges with compost.'),
      doc('c', 'Trimming hedges', 'Trim hedges with sharp shears.'),
      doc('d', 'Tuning a guitar', 'Tune each guitar string to a reference pitch.'),
    ]);
    expect(index.related('a').map((entry) => entry.id)).toEqual(['b', 'c']);
    expect(index.related('c').map((entry) => entry.id)).toEqual(['b', 'a']);
    // A post that shares nothing with anyone has no feedback posts and stays unrelated.
    expect(index.related('d')).toEqual([]);
  });
});
