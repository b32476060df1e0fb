import { escapeHtml } from '@careerfeed/core';

/**
 * Highlighted text for search results, built from plain text only (the stored HTML is never
 * used): the text is cut into words and gaps, every piece is escaped, and the words that match a
 * search term are wrapped in `<mark>`. The only markup in the result is ours.
 *
 * Matching is a light approximation of the engines' stemming (a word matches when it starts
 * with the term less a common English ending), good enough to show why a post matched; which
 * posts match is decided by the engine.
 */

const WORD_OR_GAP = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*|[^\p{L}\p{N}]+/gu;
const ENDINGS = /(?:ing|ed|es|s|ly|e|y)$/;
/** Characters that have no business in a snippet (C0/C1 controls other than whitespace). */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

function fold(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

function stemOf(term: string): string {
  const folded = fold(term);
  const cut = folded.replace(ENDINGS, '');
  return cut.length >= 3 ? cut : folded;
}

export function termMatcher(terms: string[]): (word: string) => boolean {
  const stems = terms.map(stemOf).filter((s) => s !== '');
  return (word) => {
    const folded = fold(word);
    return stems.some((stem) => folded.startsWith(stem));
  };
}

function render(pieces: string[], matches: (word: string) => boolean): string {
  return pieces
    .map((piece) =>
      /^[\p{L}\p{N}]/u.test(piece) && matches(piece) ? `<mark>${escapeHtml(piece)}</mark>` : escapeHtml(piece),
    )
    .join('');
}

/** The whole of `text` (a title), escaped, with matching words marked. */
export function highlightText(text: string, terms: string[]): string {
  return render(text.replace(CONTROLS, '').match(WORD_OR_GAP) ?? [], termMatcher(terms));
}

/**
 * About `words` words of `text` around the first stretch that matches the most terms (from the
 * start when nothing in the body matches: the post matched on its title, topics or author),
 * escaped, with matching words marked and "…" where it was cut.
 */
export function buildSnippet(text: string, terms: string[], words = 30): string {
  const pieces = text.replace(CONTROLS, '').replace(/\s+/g, ' ').trim().match(WORD_OR_GAP) ?? [];
  const matches = termMatcher(terms);
  const wordAt: number[] = [];
  pieces.forEach((piece, i) => {
    if (/^[\p{L}\p{N}]/u.test(piece)) wordAt.push(i);
  });
  // The window of `words` words holding the most distinct matching terms; the earliest wins ties.
  const hits = wordAt.map((i) => {
    const folded = fold(pieces[i]!);
    return terms.findIndex((t) => folded.startsWith(stemOf(t)));
  });
  let best = 0;
  let bestCount = 0;
  for (let start = 0; start < wordAt.length; start++) {
    if (hits[start] === -1) continue;
    const found = new Set(hits.slice(start, start + words).filter((h) => h !== -1));
    if (found.size > bestCount) {
      best = start;
      bestCount = found.size;
    }
    if (bestCount === terms.length) break;
  }
  // A little context before the first match.
  const firstWord = Math.max(0, Math.min(best - 5, wordAt.length - words));
  const lastWord = Math.min(wordAt.length, firstWord + words) - 1;
  if (lastWord < 0) return '';
  const from = firstWord === 0 ? 0 : wordAt[firstWord]!;
  const to = lastWord === wordAt.length - 1 ? pieces.length : wordAt[lastWord]! + 1;
  return (from > 0 ? '… ' : '') + render(pieces.slice(from, to), matches) + (to < pieces.length ? ' …' : '');
}
