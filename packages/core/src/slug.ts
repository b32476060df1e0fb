import { codePointLength } from './text';

/**
 * Unicode-aware URL slugs. Accents on Latin and Greek letters are folded
 * away ("Crème brûlée" -> "creme-brulee"); every other script is kept as is
 * (NFC), so Korean, Hindi, Arabic or Chinese titles get readable slugs
 * instead of an empty string.
 */

export const MAX_SLUG_LENGTH = 200;
export const DEFAULT_SLUG_LENGTH = 80;

// Grapheme segmentation does not depend on the locale; a fixed one keeps
// results identical on every machine regardless of its LANG.
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

// Combining Diacritical Marks (U+0300–U+036F) are accents on Latin and Greek
// letters, but on Cyrillic they form distinct letters (й, ё, ї, ў): stripping
// them there would turn "чайник" into "чаиник". The optional Cyrillic
// capture (instead of a lookbehind) keeps this linear on long mark runs.
const DIACRITIC_RUN = /(\p{Script=Cyrillic}?)[\u0300-\u036f]+/gu;
const foldDiacritics = (run: string, cyrillicBase: string): string => (cyrillicBase === '' ? '' : run);

// Letters that NFKD does not decompose but readers expect folded.
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  þ: 'th',
  ð: 'd',
};
const FOLDABLE_LETTERS = /[ßæœøđłþð]/g;

// Emoji presentation machinery is category M (variation selectors are Mn,
// the keycap U+20E3 is Me) and would otherwise survive next to a digit or
// letter, e.g. "1️⃣" -> "1\uFE0F\u20E3". Enclosing marks never carry
// meaning in a slug.
const EMOJI_MARKS = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]|\p{Me}/gu;

// Invisible format characters (soft hyphen, ZWJ/ZWNJ, ZWSP, bidi marks,
// BOM) sit inside words; turning them into '-' would split a word in two.
const FORMAT_CHARS = /\p{Cf}/gu;

// A mark with no letter or digit to attach to (left over after emoji or
// punctuation were removed) would start a slug segment with a dangling
// accent.
const ORPHAN_MARKS = /(^|[^\p{L}\p{N}\p{M}])\p{M}+/gu;

const SEPARATOR_RUN = /[^\p{L}\p{N}\p{M}]+/gu;
const EDGE_DASHES = /^-+|-+$/g;
const TRAILING_DASHES = /-+$/;

const SLUG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:-[\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*$/u;

function assertLength(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Longest prefix of `s` with at most `max` code points that ends on a
 * grapheme boundary, so a cut never splits a letter from its vowel sign or
 * accent, nor a surrogate pair.
 */
function truncateAtGrapheme(s: string, max: number): string {
  // UTF-16 length is an upper bound on the code point count.
  if (s.length <= max) return s;
  // This head holds more than `max` code points, so a cluster cut short by
  // the slice can never fit and the result is the same as for all of `s`.
  const head = s.slice(0, max * 2 + 2);
  let end = 0;
  let used = 0;
  for (const { segment, index } of graphemes.segment(head)) {
    const size = codePointLength(segment);
    if (used + size > max) break;
    used += size;
    end = index + segment.length;
  }
  return s.slice(0, end);
}

/**
 * Derives a URL slug from a title. Returns '' when the input has no letters
 * or digits at all (e.g. only emoji); the caller must supply a fallback.
 * `maxLength` is counted in code points.
 */
export function slugify(input: string, maxLength: number = DEFAULT_SLUG_LENGTH): string {
  assertLength('maxLength', maxLength);
  // Lowercasing before stripping marks lets "İ" (-> "i" + U+0307) fold to "i".
  const folded = input
    .normalize('NFKD')
    .toLowerCase()
    .replace(DIACRITIC_RUN, foldDiacritics)
    .replace(FOLDABLE_LETTERS, (ch) => LETTER_FOLDS[ch] ?? ch)
    .replace(EMOJI_MARKS, '')
    .replace(FORMAT_CHARS, '')
    .replace(ORPHAN_MARKS, '$1')
    .replace(SEPARATOR_RUN, '-')
    .replace(EDGE_DASHES, '')
    .normalize('NFC');
  return truncateAtGrapheme(folded, maxLength).replace(TRAILING_DASHES, '');
}

/**
 * Validates a client-supplied slug: non-empty, at most 200 code points,
 * lowercase, NFC, and made of letter/digit runs (with combining marks)
 * joined by single dashes. Everything `slugify` produces passes.
 */
export function isValidSlug(s: string): boolean {
  if (s.length === 0 || codePointLength(s) > MAX_SLUG_LENGTH) return false;
  // NFC is required so that two visually identical slugs cannot coexist.
  return s === s.toLowerCase() && s === s.normalize('NFC') && SLUG_PATTERN.test(s);
}

/**
 * Disambiguates a taken slug: ('career-fair', 2) -> 'career-fair-2'.
 * The base is shortened (at a grapheme boundary) so the result fits in
 * `maxLength` code points. `slug` is the base slug, not a previous result.
 */
export function withSuffix(slug: string, n: number, maxLength: number = DEFAULT_SLUG_LENGTH): string {
  assertLength('maxLength', maxLength);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`suffix must be a positive integer, got ${n}`);
  }
  if (slug.length === 0) {
    throw new RangeError('cannot add a suffix to an empty slug');
  }
  const suffix = `-${n}`;
  const room = maxLength - suffix.length;
  const base = room > 0 ? truncateAtGrapheme(slug, room).replace(TRAILING_DASHES, '') : '';
  if (base.length === 0) {
    throw new RangeError(`maxLength ${maxLength} leaves no room for a base before "${suffix}"`);
  }
  return base + suffix;
}
