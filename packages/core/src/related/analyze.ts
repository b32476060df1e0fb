import stemPorter2 from 'wink-porter2-stemmer';
import { ENGLISH_STOPWORDS } from './stopwords';

/**
 * Text → normalized terms for the related-posts engine: NFKC, lowercase, words as runs of
 * letters, marks and digits (with inner apostrophes), Latin diacritics folded, English
 * stopwords, pure numbers and one-letter Latin words dropped, English words stemmed with
 * Porter2. Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) are
 * split into dictionary words by Intl.Segmenter, so they produce terms too.
 */

// Word runs. The apostrophe is allowed inside a word so that contractions ("don't") reach the
// stopword list whole and possessives ("student's") can be stripped.
const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const NEEDS_SEGMENTER =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const LATIN_WORD = /^[\p{Script=Latin}\p{M}\p{N}']+$/u;
const COMBINING_MARKS = /\p{M}/gu;
const NON_ASCII = /[^\u0020-\u007e]/;
const DIGITS_ONLY = /^\p{N}+$/u;
const ASCII_LETTERS = /^[a-z]+$/;
// Longer "words" are URLs, hashes or base64 that slipped into the text: never shared between
// posts in a useful way, and each one would be a vocabulary entry of its own.
const MAX_WORD_LENGTH = 40;
// Porter2 leaves words of one or two letters alone.
const MIN_STEM_LENGTH = 3;
// A blog's vocabulary is tens of thousands of words; the cap only bounds memory against
// pathological input (it is cleared, not evicted one by one, which is simpler and still O(1)).
const MAX_CACHED_WORDS = 200_000;

// Any UTF-16 code unit outside ASCII (control characters such as newlines are ASCII).
const BEYOND_ASCII = /[\u0080-\uffff]/;
const APOSTROPHE = 0x27;
const isAsciiWordChar = (code: number): boolean => (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);

// Word rules are the same for every locale; a fixed one keeps results machine-independent.
const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/**
 * Turns text into terms, remembering what each distinct word became: normalizing a word takes a
 * few regex tests and Porter2 as implemented by wink-porter2-stemmer is regex-heavy (about 5 µs
 * a word), while a post repeats most of its words, as do the posts of one blog.
 */
export class TermAnalyzer {
  // Word → its term, its terms (a run of CJK or Thai text), or null (dropped).
  private readonly cache = new Map<string, string | string[] | null>();

  /** Normalized terms of `text`, in reading order, repeats included. */
  terms(text: string): string[] {
    const out: string[] = [];
    const lowered = text.normalize('NFKC').toLowerCase();
    if (BEYOND_ASCII.test(lowered)) {
      for (const match of lowered.matchAll(WORD)) this.push(match[0], out);
      return out;
    }
    // ASCII text (most posts): the same words as WORD finds, [a-z0-9] runs joined by inner
    // apostrophes, found without a match object per word (this runs on every update, where
    // short-lived objects are what the garbage collector pauses for).
    const end = lowered.length;
    let at = 0;
    while (at < end) {
      while (at < end && !isAsciiWordChar(lowered.charCodeAt(at))) at++;
      if (at === end) break;
      const start = at;
      for (;;) {
        while (at < end && isAsciiWordChar(lowered.charCodeAt(at))) at++;
        if (at + 1 < end && lowered.charCodeAt(at) === APOSTROPHE && isAsciiWordChar(lowered.charCodeAt(at + 1))) at++;
        else break;
      }
      this.push(lowered.slice(start, at), out);
    }
    return out;
  }

  private push(word: string, out: string[]): void {
    let terms = this.cache.get(word);
    if (terms === undefined) {
      if (this.cache.size >= MAX_CACHED_WORDS) this.cache.clear();
      terms = analyzeWord(word);
      this.cache.set(word, terms);
    }
    if (typeof terms === 'string') out.push(terms);
    else if (terms !== null) out.push(...terms);
  }
}

function analyzeWord(word: string): string | string[] | null {
  if (!NEEDS_SEGMENTER.test(word)) return normalizeWord(word);
  const terms: string[] = [];
  for (const segment of segmenter.segment(word)) {
    if (segment.isWordLike !== true) continue;
    const term = normalizeWord(segment.segment);
    if (term !== null) terms.push(term);
  }
  return terms;
}

/** The term a lowercase word stands for, or null when it is not worth indexing. */
function normalizeWord(raw: string): string | null {
  let word = raw.replace(/’/g, "'");
  if (ENGLISH_STOPWORDS.has(word)) return null;
  if (NON_ASCII.test(word) && LATIN_WORD.test(word)) {
    word = word.normalize('NFD').replace(COMBINING_MARKS, '');
  }
  if (word.includes("'")) {
    word = word.replace(/'s$/, '').replace(/'/g, '');
    if (ENGLISH_STOPWORDS.has(word)) return null;
  }
  if (word.length > MAX_WORD_LENGTH || DIGITS_ONLY.test(word)) return null;
  if (!ASCII_LETTERS.test(word)) return word;
  if (word.length === 1) return null;
  return word.length >= MIN_STEM_LENGTH ? stemPorter2(word) : word;
}
