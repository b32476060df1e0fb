/**
 * Reader-typed text → the words to look for. Search syntax is never passed through: FTS5's
 * MATCH language (`"`, `*`, `NEAR`, `-`, `:`, `(`, AND/OR/NOT, column filters) and tsquery's
 * operators are both ignored, because only runs of letters and digits survive, and the engines
 * receive each of those quoted (FTS5) or as plain text (plainto_tsquery). Every result matches
 * every word (AND), as readers expect from a site search.
 */

/** Longer queries are refused (a 400): nobody types this much, and it bounds the work. */
export const MAX_SEARCH_QUERY_LENGTH = 500;
/** Words past this many are ignored: each one narrows the result, so more rarely help. */
export const MAX_SEARCH_TERMS = 8;
/** No word is longer; a longer "word" is noise that would match nothing. */
const MAX_TERM_LENGTH = 64;

/** A word: starts with a letter or digit; combining marks may follow (é typed as e + U+0301). */
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;

/**
 * Small words that carry no topic. They are dropped from a query that has other words (so
 * "how to write a resume" finds posts about resumes that never say "how"), and kept when they
 * are all there is. Our own short list, not an engine's: both engines index every word, and the
 * choice of what to ignore is made here once for both.
 */
const FILLER_WORDS = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its me my of on or ' +
    'our so than that the their then there these this to was we were what when where which who why will ' +
    'with you your'
  ).split(' '),
);

/** The distinct words of `query`, lower-cased and NFKC-normalized, filler words dropped when others remain. */
export function toSearchTerms(query: string): string[] {
  const words = query.normalize('NFKC').toLowerCase().match(WORD) ?? [];
  const distinct = [...new Set(words.filter((w) => w.length <= MAX_TERM_LENGTH))];
  const meaningful = distinct.filter((w) => !FILLER_WORDS.has(w));
  return (meaningful.length > 0 ? meaningful : distinct).slice(0, MAX_SEARCH_TERMS);
}

/** FTS5 MATCH text: each term a quoted string (a `"` inside doubled), juxtaposed = all of them. */
export function toFts5Match(terms: string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' ');
}
