import type { RelatedDocument } from '@careerfeed/core';

/**
 * The seeded synthetic corpus of `npm run bench:related` (see related.bench.ts): a Zipf-distributed
 * vocabulary of 50,000 words, posts of ~300 words drawn partly (35%) from one of 200 topics' own
 * Zipf vocabularies, 8-word titles, 3–5 tags out of 200 and 20 categories.
 */

/** mulberry32: small, fast, good enough for workloads, and the same on every machine. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws indexes 0..n-1 with probability ∝ 1/(rank+1)^s (Zipf), by binary search on the CDF. */
function createZipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cdf[i] = sum;
  }
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const VOCABULARY = 50_000;
const TOPICS = 200;
const TOPIC_WORDS = 400;
const TOPIC_SHARE = 0.35;
const TAGS = 200;
const CATEGORIES = 20;
const WORDS_PER_POST = 300;
const TITLE_WORDS = 8;

/** Distinct pronounceable words ("kavelo"), so the analyzer and stemmer do real work. */
function makeVocabulary(size: number, random: () => number): string[] {
  const consonants = 'bcdfghjklmnprstvwz';
  const vowels = 'aeiou';
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) {
      word += consonants[Math.floor(random() * consonants.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    }
    words.add(word);
  }
  return [...words];
}

export interface Corpus {
  next(id: string): RelatedDocument;
}

export function createCorpus(seed: number): Corpus {
  const random = createRandom(seed);
  const vocabulary = makeVocabulary(VOCABULARY, random);
  const general = createZipf(VOCABULARY, 1.0, random);
  // A topic's words come from the less common part of the vocabulary, as topic words do.
  const topics = Array.from({ length: TOPICS }, () => ({
    words: Array.from({ length: TOPIC_WORDS }, () => vocabulary[500 + Math.floor(random() * (VOCABULARY - 500))]!),
    tags: Array.from({ length: 6 }, () => Math.floor(random() * TAGS)),
  }));
  const inTopic = createZipf(TOPIC_WORDS, 1.0, random);
  const tagNames = Array.from({ length: TAGS }, (_, i) => `${vocabulary[i * 7 + 3]!}-${vocabulary[i * 11 + 5]!}`);

  const word = (topic: (typeof topics)[number]): string =>
    random() < TOPIC_SHARE ? topic.words[inTopic()]! : vocabulary[general()]!;

  return {
    next(id) {
      const topicIndex = Math.floor(random() * TOPICS);
      const topic = topics[topicIndex]!;
      const title = Array.from({ length: TITLE_WORDS }, () => word(topic)).join(' ');
      const sentences: string[] = [];
      for (let written = 0; written < WORDS_PER_POST;) {
        const length = Math.min(WORDS_PER_POST - written, 8 + Math.floor(random() * 12));
        sentences.push(`${Array.from({ length }, () => word(topic)).join(' ')}.`);
        written += length;
      }
      const tagCount = 3 + Math.floor(random() * 3);
      const tags = new Set<string>();
      while (tags.size < tagCount) {
        const tag =
          random() < 0.7 ? topic.tags[Math.floor(random() * topic.tags.length)]! : Math.floor(random() * TAGS);
        tags.add(tagNames[tag]!);
      }
      return { id, title, text: sentences.join(' '), tags: [...tags], category: `category-${topicIndex % CATEGORIES}` };
    },
  };
}
