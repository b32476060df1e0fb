import { extractUrlsWithIndices } from 'twitter-text';

/**
 * Shortening text to fit a network's counter. The counters differ (twitter-text weights, code
 * points with URLs as 23, graphemes, UTF-8 bytes of emoji), so nothing here counts: callers pass a
 * `fits` predicate over the whole rendered payload and we search for the longest prefix it
 * accepts. Prefixes only end at word boundaries (falling back to grapheme boundaries for a single
 * giant word), never inside a URL, so no emoji, flag, combining sequence or surrogate pair is cut.
 */

export const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const words = new Intl.Segmenter(undefined, { granularity: 'word' });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const PROTOCOL_URL = /\bhttps?:\/\/\S+/giu;
// Clause punctuation of CJK scripts, after which a line may be cut even without a space.
const CJK_PUNCTUATION = /[\u3000-\u303F\uFF00-\uFF65]$/u;
const TRAILING_JUNK = /[\s\p{P}\p{Z}]+$/u;

/** Collapses whitespace runs (post text may carry newlines) and replaces unpaired surrogates. */
export function normalizeShareText(s: string): string {
  return s
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/[\s\u0085]+/g, ' ')
    .trim();
}

export function graphemeCount(s: string): number {
  let n = 0;
  for (const _ of graphemes.segment(s)) n++;
  return n;
}

interface Range {
  start: number;
  end: number;
}

/** UTF-16 ranges of everything a network might treat as a link, including bare domains. */
export function urlRanges(text: string): Range[] {
  const ranges: Range[] = extractUrlsWithIndices(text).map((u) => ({ start: u.indices[0], end: u.indices[1] }));
  for (const m of text.matchAll(PROTOCOL_URL)) ranges.push({ start: m.index, end: m.index + m[0].length });
  return ranges;
}

function insideAny(pos: number, ranges: readonly Range[]): Range | undefined {
  return ranges.find((r) => r.start < pos && pos < r.end);
}

function graphemeBoundaries(text: string): Set<number> {
  const set = new Set<number>();
  for (const g of graphemes.segment(text)) set.add(g.index);
  set.add(text.length);
  return set;
}

/**
 * Positions (UTF-16 offsets, ascending, excluding 0 and text.length) where `text` may be cut.
 * Word boundaries first: before a space, between two words (CJK and Thai have no spaces, so the
 * segmenter's dictionary boundaries are the word boundaries), after CJK punctuation.
 */
export function cutPositions(text: string): { word: number[]; grapheme: number[] } {
  const protectedRanges = urlRanges(text);
  const gb = graphemeBoundaries(text);
  const ok = (p: number): boolean => p > 0 && p < text.length && gb.has(p) && !insideAny(p, protectedRanges);

  const word: number[] = [];
  let prev: Intl.SegmentData | undefined;
  for (const seg of words.segment(text)) {
    if (prev) {
      const isBoundary =
        /^\s/u.test(seg.segment) ||
        (prev.isWordLike === true && seg.isWordLike === true) ||
        (seg.isWordLike === true && CJK_PUNCTUATION.test(prev.segment));
      if (isBoundary && ok(seg.index)) word.push(seg.index);
    }
    prev = seg;
  }
  const grapheme = [...gb].filter(ok).sort((a, b) => a - b);
  return { word, grapheme };
}

/**
 * The prefix of `text` ending at `pos`, without trailing spaces or punctuation, plus an ellipsis;
 * '' when nothing worth keeping is left. Trimming never eats into a URL; a URL at the end gets a
 * space before the ellipsis so that no linkifier takes the ellipsis as part of it.
 */
export function cutAt(text: string, pos: number): string {
  const ranges = urlRanges(text);
  let head = text.slice(0, pos).replace(TRAILING_JUNK, '');
  const broken = insideAny(head.length, ranges);
  if (broken) head = text.slice(0, broken.end);
  if (head === '') return '';
  const endsWithUrl = ranges.some((r) => r.end === head.length);
  return `${head}${endsWithUrl ? ' ' : ''}${ELLIPSIS}`;
}

/**
 * The longest shortening of `text` for which `fits` holds, or undefined when even the shortest
 * (dropping the text) does not fit. Assumes `fits` is monotone in the prefix length, which holds
 * for every counter here because prefixes never end inside a URL.
 */
export function shortenToFit(text: string, fits: (candidate: string) => boolean): string | undefined {
  if (fits(text)) return text;
  const { word, grapheme } = cutPositions(text);
  for (const positions of [word, grapheme]) {
    let lo = 0;
    let hi = positions.length - 1;
    let best: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = cutAt(text, positions[mid] as number);
      if (candidate !== '' && fits(candidate)) {
        best = candidate;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (best !== undefined) return best;
  }
  return fits('') ? '' : undefined;
}
