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

/** Most text is ASCII, where folding is just lower-casing (this runs for every word of a body). */
const ASCII = /^[ -~]*$/;
/** Characters of body around the first likely match that are cut into words (a snippet needs ~30). */
const CONTEXT_BEFORE = 400;
const CONTEXT_AFTER = 800;

function fold(word: string): string {
  return ASCII.test(word) ? word.toLowerCase() : word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
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
/**
 * The stretch of `text` worth cutting into words: around the first place a term's stem occurs
 * (a cheap lower-case substring search), on word boundaries. Tokenizing a whole body for every
 * result was most of a search's time. Falls back to the beginning when no stem is found that way
 * (accented words, upper/lower-case pairs of different lengths).
 */
function focus(text: string, stems: string[]): { from: number; to: number } {
  const lower = text.toLowerCase();
  let first = -1;
  if (lower.length === text.length) {
    for (const stem of stems) {
      const at = stem === '' ? -1 : lower.indexOf(stem);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
  }
  if (first === -1) return { from: 0, to: Math.min(text.length, CONTEXT_BEFORE + CONTEXT_AFTER) };
  let from = Math.max(0, first - CONTEXT_BEFORE);
  if (from > 0) {
    const space = text.indexOf(' ', from);
    from = space !== -1 && space < first ? space + 1 : first;
  }
  let to = Math.min(text.length, first + CONTEXT_AFTER);
  if (to < text.length) {
    const space = text.lastIndexOf(' ', to);
    if (space > first) to = space;
  }
  return { from, to };
}

export function buildSnippet(text: string, terms: string[], words = 30): string {
  const stems = terms.map(stemOf);
  const clean = text.replace(CONTROLS, '').replace(/\s+/g, ' ').trim();
  const window = focus(clean, stems);
  const pieces = clean.slice(window.from, window.to).match(WORD_OR_GAP) ?? [];
  const matches = termMatcher(terms);
  // Per word: its piece index, and which term it matches (-1: none).
  const wordAt: number[] = [];
  const hits: number[] = [];
  pieces.forEach((piece, i) => {
    if (!/^[\p{L}\p{N}]/u.test(piece)) return;
    wordAt.push(i);
    const folded = fold(piece);
    hits.push(stems.findIndex((stem) => stem !== '' && folded.startsWith(stem)));
  });
  // The window of `words` words holding the most distinct matching terms; the earliest wins ties.
  let best = 0;
  let bestCount = 0;
  for (let start = 0; start < hits.length && bestCount < terms.length; start++) {
    if (hits[start] === -1) continue;
    const found = new Set<number>();
    for (let k = start; k < Math.min(hits.length, start + words); k++) if (hits[k] !== -1) found.add(hits[k]!);
    if (found.size > bestCount) {
      best = start;
      bestCount = found.size;
    }
  }
  // A little context before the first match.
  const firstWord = Math.max(0, Math.min(best - 5, wordAt.length - words));
  const lastWord = Math.min(wordAt.length, firstWord + words) - 1;
  if (lastWord < 0) return '';
  const from = firstWord === 0 ? 0 : wordAt[firstWord]!;
  const to = lastWord === wordAt.length - 1 ? pieces.length : wordAt[lastWord]! + 1;
  const cutBefore = from > 0 || window.from > 0;
  const cutAfter = to < pieces.length || window.to < clean.length;
  // Gaps at the cut ends are dropped so the ellipses sit next to words.
  const shown = pieces.slice(from, to);
  if (cutAfter && shown.length > 0 && !/^[\p{L}\p{N}]/u.test(shown[shown.length - 1]!)) shown.pop();
  return (cutBefore ? '… ' : '') + render(shown, matches) + (cutAfter ? ' …' : '');
}
