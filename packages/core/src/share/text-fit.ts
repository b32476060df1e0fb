import { twitterText } from './twitter-text';

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
// Spaces and punctuation a cut leaves at the end of the kept text (trimmed before the ellipsis).
const JUNK_CHAR = /^[\s\p{P}\p{Z}]$/u;
const SURROGATE = /[\uD800-\uDFFF]/;
// Whitespace that normalizeShareText would change: anything but a space, or a run of two.
const UNUSUAL_WHITESPACE = /(?! )[\s\u0085]| [\s\u0085]/;

/** Collapses whitespace runs (post text may carry newlines) and replaces unpaired surrogates. */
export function normalizeShareText(s: string): string {
  // Both replacements rebuild the string even when nothing changes; most text has no surrogate
  // to fix and no whitespace but single spaces, and is left as it is.
  const wellFormed = SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s;
  const collapsed = UNUSUAL_WHITESPACE.test(wellFormed) ? wellFormed.replace(/[\s\u0085]+/g, ' ') : wellFormed;
  return collapsed.trim();
}

// Code points that always form a grapheme cluster of their own (UAX #29 Grapheme_Cluster_Break
// Other, Control or LF: never Extend, SpacingMark, ZWJ, Prepend, CR, a regional indicator, Hangul
// or a surrogate): tab, LF, printable ASCII, Latin-1 and Latin Extended up to the combining
// diacritics at U+0300, and general punctuation without ZWNJ/ZWJ (U+200C/D). Most post text is
// nothing else, and Intl.Segmenter costs about a microsecond per grapheme, so for such text the
// count is its length and each code unit is a boundary. text-fit.test.ts checks the set against
// Intl.Segmenter code point by code point.
export const SINGLE_GRAPHEME_CHARS = /^[\t\n\x20-\x7E\u00A0-\u02FF\u2010-\u2027\u2030-\u205E]*$/;

export function graphemeCount(s: string): number {
  if (SINGLE_GRAPHEME_CHARS.test(s)) return s.length;
  let n = 0;
  for (const _ of graphemes.segment(s)) n++;
  return n;
}

/** UTF-16 offsets where the grapheme clusters of `text` start, ascending. */
function graphemeStarts(text: string): number[] {
  if (SINGLE_GRAPHEME_CHARS.test(text)) return Array.from(text, (_, i) => i);
  return Array.from(graphemes.segment(text), (g) => g.index);
}

interface Range {
  start: number;
  end: number;
}

/** UTF-16 ranges of everything a network might treat as a link, including bare domains. */
export function urlRanges(text: string): Range[] {
  const ranges: Range[] = twitterText()
    .extractUrlsWithIndices(text)
    .map((u) => ({ start: u.indices[0], end: u.indices[1] }));
  for (const m of text.matchAll(PROTOCOL_URL)) ranges.push({ start: m.index, end: m.index + m[0].length });
  return ranges;
}

function insideAny(pos: number, ranges: readonly Range[]): Range | undefined {
  return ranges.find((r) => r.start < pos && pos < r.end);
}

/** Whether an offset is a grapheme boundary; `starts` ascending, as graphemeStarts gives them. */
function graphemeBoundaries(text: string, starts: readonly number[]): (offset: number) => boolean {
  // Every code unit starts a grapheme (the common case): every offset is a boundary.
  if (starts.length === text.length) return (offset) => offset >= 0 && offset <= text.length;
  const set = new Set([...starts, text.length]);
  return (offset) => set.has(offset);
}

/**
 * Positions (UTF-16 offsets, ascending, excluding 0 and text.length) where `text` may be cut.
 * Word boundaries first: before a space, between two words (CJK and Thai have no spaces, so the
 * segmenter's dictionary boundaries are the word boundaries), after CJK punctuation.
 */
export function cutPositions(text: string): { word: number[]; grapheme: number[] } {
  const cuts = cutPositionsOf(text, graphemeStarts(text), urlRanges(text));
  return { word: cuts.word(), grapheme: cuts.grapheme() };
}

/** cutPositions, each list computed only when asked for (grapheme cuts rarely are). */
function cutPositionsOf(
  text: string,
  starts: readonly number[],
  protectedRanges: readonly Range[],
): { word: () => number[]; grapheme: () => number[] } {
  const isBoundary = graphemeBoundaries(text, starts);
  const ok = (p: number): boolean => p > 0 && p < text.length && isBoundary(p) && !insideAny(p, protectedRanges);

  const word = (): number[] => {
    const positions: number[] = [];
    let prev: Intl.SegmentData | undefined;
    for (const seg of words.segment(text)) {
      if (prev) {
        const isBoundary =
          /^\s/u.test(seg.segment) ||
          (prev.isWordLike === true && seg.isWordLike === true) ||
          (seg.isWordLike === true && CJK_PUNCTUATION.test(prev.segment));
        if (isBoundary && ok(seg.index)) positions.push(seg.index);
      }
      prev = seg;
    }
    return positions;
  };
  const grapheme = (): number[] => starts.filter(ok);
  return { word, grapheme };
}

/**
 * Where the kept head of a cut at `pos` ends: the prefix without trailing spaces or punctuation,
 * moved to the end of a URL the trimming would otherwise break. 0 when nothing worth keeping is
 * left. `ranges` are `urlRanges(text)`, passed in so that a search computes them once.
 */
function headEnd(text: string, pos: number, ranges: readonly Range[]): number {
  // Trailing spaces and punctuation, found backwards by code point: a regex anchored at the end
  // would scan the whole prefix on every call.
  let end = pos;
  while (end > 0) {
    const pair =
      end >= 2 && /[\uDC00-\uDFFF]/.test(text[end - 1] as string) && /[\uD800-\uDBFF]/.test(text[end - 2] as string);
    const size = pair ? 2 : 1;
    if (!JUNK_CHAR.test(text.slice(end - size, end))) break;
    end -= size;
  }
  return insideAny(end, ranges)?.end ?? end;
}

/** A URL at the end gets a space before the ellipsis so that no linkifier takes it as part of it. */
function endsWithUrl(end: number, ranges: readonly Range[]): boolean {
  return ranges.some((r) => r.end === end);
}

function withEllipsis(text: string, end: number, ranges: readonly Range[]): string {
  if (end === 0) return '';
  return `${text.slice(0, end)}${endsWithUrl(end, ranges) ? ' ' : ''}${ELLIPSIS}`;
}

/**
 * The prefix of `text` ending at `pos`, without trailing spaces or punctuation, plus an ellipsis;
 * '' when nothing worth keeping is left. Trimming never eats into a URL; a URL at the end gets a
 * space before the ellipsis so that no linkifier takes the ellipsis as part of it.
 */
export function cutAt(text: string, pos: number): string {
  const ranges = urlRanges(text);
  return withEllipsis(text, headEnd(text, pos, ranges), ranges);
}

/**
 * A network's counter in two forms: `measure`, the real count of the whole payload rendered with a
 * given piece of text (one number per limited dimension: X has one, Bluesky graphemes and bytes,
 * Threads characters and links), and `cost`, that counter's share of one grapheme cluster or one
 * whole URL of the piece. Summing `cost` is only an estimate of `measure` — context matters to
 * real counters (NFC across a cut, a URL the ellipsis runs into, duplicate links) — so every
 * answer built from it is checked against `measure` before it is used.
 */
export interface Gauge {
  measure(piece: string): readonly number[];
  limits: readonly number[];
  cost(unit: string, isUrl: boolean): readonly number[];
}

function withinLimits(counts: readonly number[], limits: readonly number[]): boolean {
  return counts.every((n, i) => n <= (limits[i] as number));
}

/**
 * Estimated counts of every prefix of `text` that ends at a unit boundary (a grapheme, or the end
 * of a whole URL), by UTF-16 offset: prefix sums of `cost`, so the weight of a cut is O(1) instead
 * of recounting the candidate text.
 */
function prefixCosts(
  text: string,
  starts: readonly number[],
  ranges: readonly Range[],
  gauge: Gauge,
): Map<number, number[]> {
  const sums = new Map<number, number[]>();
  let acc = gauge.limits.map(() => 0);
  sums.set(0, acc);
  let unitStart = 0;
  let urlEnd = -1;
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k] as number;
    const end = starts[k + 1] ?? text.length;
    const url = ranges.find((r) => r.start < end && start < r.end);
    if (url !== undefined) urlEnd = Math.max(urlEnd, url.end);
    if (end < urlEnd) continue; // inside a URL: its cost is counted once, as a whole
    const unit = text.slice(unitStart, end);
    const c = gauge.cost(unit, urlEnd > unitStart);
    acc = acc.map((n, i) => n + (c[i] as number));
    sums.set(end, acc);
    unitStart = end;
    urlEnd = -1;
  }
  return sums;
}

/**
 * The index in `positions` the exact search would pick — the last cut whose candidate is non-empty
 * and fits — found with estimated counts, then confirmed with two real measurements: that cut fits
 * and the next one does not. With `fits` monotone (see shortenToFit) that is exactly the binary
 * search's answer. undefined when the estimate cannot be confirmed.
 */
function estimatedBest(
  text: string,
  positions: readonly number[],
  ranges: readonly Range[],
  gauge: Gauge,
  fixed: readonly number[],
  sums: ReadonlyMap<number, readonly number[]>,
): number | undefined {
  const ellipsis = gauge.cost(ELLIPSIS, false);
  const space = gauge.cost(' ', false);
  let unknown = false;
  const estimateFits = (i: number): boolean => {
    const end = headEnd(text, positions[i] as number, ranges);
    if (end === 0) return false;
    const head = sums.get(end);
    if (head === undefined) {
      unknown = true; // a trimmed head that ends inside a grapheme: no estimate
      return false;
    }
    const extra = endsWithUrl(end, ranges) ? space : undefined;
    return gauge.limits.every(
      (limit, d) =>
        (fixed[d] as number) + (head[d] as number) + (ellipsis[d] as number) + ((extra?.[d] as number) ?? 0) <= limit,
    );
  };
  let lo = 0;
  let hi = positions.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (estimateFits(mid)) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (unknown) return undefined;
  const reallyFits = (i: number): boolean => {
    const candidate = withEllipsis(text, headEnd(text, positions[i] as number, ranges), ranges);
    return candidate !== '' && withinLimits(gauge.measure(candidate), gauge.limits);
  };
  if (best >= 0 && !reallyFits(best)) return undefined;
  if (best + 1 < positions.length && reallyFits(best + 1)) return undefined;
  return best;
}

/**
 * The longest shortening of `text` for which `fits` holds, or undefined when even the shortest
 * (dropping the text) does not fit. Assumes `fits` is monotone in the prefix length, which holds
 * for every counter here because prefixes never end inside a URL.
 *
 * With a `gauge` (whose limits `fits` must be), the text is segmented and weighed once and the cut
 * chosen from prefix sums, confirmed by the real counter; whenever that cannot be confirmed, the
 * exact binary search below decides, so the answer never depends on the estimate.
 */
export function shortenToFit(text: string, fits: (candidate: string) => boolean, gauge?: Gauge): string | undefined {
  if (gauge === undefined) return shortenExactly(text, fits);
  const full = gauge.measure(text);
  if (withinLimits(full, gauge.limits)) return text;
  const ranges = urlRanges(text);
  const starts = graphemeStarts(text);
  const sums = prefixCosts(text, starts, ranges, gauge);
  const total = sums.get(text.length);
  if (total === undefined) return shortenExactly(text, fits);
  // What the rest of the payload (title, link, hashtags, via) adds, as the real counter sees it.
  const fixed = full.map((n, d) => n - (total[d] as number));
  const cuts = cutPositionsOf(text, starts, ranges);
  for (const positionsOf of [cuts.word, cuts.grapheme]) {
    const positions = positionsOf();
    const best = estimatedBest(text, positions, ranges, gauge, fixed, sums);
    if (best === undefined) return shortenExactly(text, fits);
    if (best >= 0) return withEllipsis(text, headEnd(text, positions[best] as number, ranges), ranges);
  }
  return fits('') ? '' : undefined;
}

/** The binary search over real counts: the reference the estimated search must agree with. */
function shortenExactly(text: string, fits: (candidate: string) => boolean): string | undefined {
  if (fits(text)) return text;
  const ranges = urlRanges(text);
  const { word, grapheme } = cutPositions(text);
  for (const positions of [word, grapheme]) {
    let lo = 0;
    let hi = positions.length - 1;
    let best: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = withEllipsis(text, headEnd(text, positions[mid] as number, ranges), ranges);
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
