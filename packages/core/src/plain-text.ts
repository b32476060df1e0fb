import { Parser } from 'htmlparser2';
import { compile } from 'html-to-text';
import { cleanLine, stripIllegalXmlChars } from './text';

/**
 * Plain-text renditions of post bodies for email digests (text/plain part),
 * JSON Feed `content_text`, excerpts and word counts.
 */

// Word segmentation rules (including the CJK/Thai dictionaries) are the
// same for every locale; a fixed one keeps results machine-independent.
const words = new Intl.Segmenter('en', { granularity: 'word' });
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

// Elements whose content is not prose.
const SKIPPED = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'head',
  'title',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'applet',
  'textarea',
  'select',
  'canvas',
  'noembed',
  'noframes',
]);

// Separated from their surroundings by a blank line, like paragraphs.
const PARAGRAPH_BLOCKS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'dl',
  'table',
  'figure',
  'hr',
  'section',
  'article',
  'header',
  'footer',
  'aside',
  'nav',
  'main',
  'address',
  'details',
  'fieldset',
  'form',
  'hgroup',
]);

// Start on a line of their own, without a blank line.
const LINE_BLOCKS = new Set([
  'div',
  'li',
  'tr',
  'dt',
  'dd',
  'figcaption',
  'caption',
  'summary',
  'legend',
  'thead',
  'tbody',
  'tfoot',
]);

const BLANK_LINE_RUNS = /\n{3,}/g;

interface DomNode {
  name?: string;
  parent?: DomNode | null;
}

/**
 * html-to-text (maintained, used by mailparser and many mailers) does the parsing, entity
 * decoding, whitespace collapsing and <pre> handling. Our selectors say which elements are blocks:
 * every block starts a new line (paragraph-level ones after a blank line), so headings, list items
 * and table rows never run into the next sentence. Links are their text (no "[url]"), images and
 * non-prose elements are dropped, nothing is upper-cased or wrapped.
 */
const convertHtml = compile({
  wordwrap: false,
  preserveNewlines: false,
  // HTML collapses only ASCII whitespace; NBSP is meaningful ("10&nbsp;km").
  whitespaceCharacters: ' \t\r\n\f',
  decodeEntities: true,
  formatters: {
    /** A list inside a list item belongs to that item: a line break, not a blank line. */
    careerfeedList(elem, walk, builder) {
      const nested = (elem as DomNode).parent?.name === 'li';
      builder.openBlock({ leadingLineBreaks: nested ? 1 : 2 });
      walk(elem.children, builder);
      builder.closeBlock({ trailingLineBreaks: nested ? 1 : 2 });
    },
    /** Table cells read as words of their row. */
    careerfeedCell(elem, walk, builder) {
      walk(elem.children, builder);
      builder.addInline(' ');
    },
  },
  selectors: [
    ...[...PARAGRAPH_BLOCKS].map((selector) => ({
      selector,
      format: 'block',
      options: { leadingLineBreaks: 2, trailingLineBreaks: 2 },
    })),
    ...[...LINE_BLOCKS].map((selector) => ({
      selector,
      format: 'block',
      options: { leadingLineBreaks: 1, trailingLineBreaks: 1 },
    })),
    { selector: 'ul', format: 'careerfeedList' },
    { selector: 'ol', format: 'careerfeedList' },
    { selector: 'dl', format: 'careerfeedList' },
    { selector: 'td', format: 'careerfeedCell' },
    { selector: 'th', format: 'careerfeedCell' },
    { selector: 'pre', format: 'pre', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    { selector: 'a', format: 'inline' },
    { selector: 'img', format: 'skip' },
    ...[...SKIPPED].map((selector) => ({ selector, format: 'skip' })),
  ],
});

/**
 * Converts HTML to readable plain text: entities decoded, block elements
 * on their own lines (paragraph-level ones separated by a blank line),
 * whitespace collapsed except inside <pre>, script/style and other
 * non-prose content dropped.
 */
export function htmlToPlainText(html: string): string {
  // HTML drops a newline that immediately follows <pre>; html-to-text keeps it.
  const text = convertHtml(html.replace(/(<pre\b[^>]*>)\r?\n/gi, '$1'));
  // Only <pre> content can leave spaces at line ends. Per-line trimEnd
  // instead of /[ \t]+$/gm, which is quadratic on long space runs.
  const lines = text.split('\n').map((line) => line.trimEnd());
  // Numeric references like &#1; decode to characters that XML forbids.
  return stripIllegalXmlChars(lines.join('\n').replace(BLANK_LINE_RUNS, '\n\n').trim());
}

/**
 * The excerpt derived from a post's plain text: one line, but with its blocks still told apart.
 * A block (heading, list item, table row, paragraph) that does not end in punctuation is followed
 * by " · " rather than a bare space, so "What to bring" + "A printed résumé" does not read as one
 * sentence. Then cut like any excerpt.
 */
export function excerptFromPlainText(text: string, maxChars = 240): string {
  let joined = '';
  let previous = '';
  // Line by line, and only as many lines as the cut can show: a post's text is kilobytes, its
  // excerpt a few hundred characters.
  for (let start = 0; start <= text.length && joined.length <= maxChars * 4;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const block = text.slice(start, end).replace(ANY_WHITESPACE_RUN, ' ').trim();
    start = end + 1;
    if (block === '') continue;
    // The separator depends on how the block before ends (it is the end of `joined`).
    if (joined !== '') joined += BLOCK_END.test(previous) ? ' ' : ' · ';
    joined += block;
    previous = block;
  }
  return makeExcerpt(joined, maxChars);
}

// Sentence- or clause-ending punctuation (Latin, CJK, Arabic, Devanagari), optionally followed by
// closing quotes or brackets.
const BLOCK_END = /[.!?:;…。！？：；،؛؟।]["'”’»)\]]*$/u;

const ANY_WHITESPACE_RUN = /\s+/g;
// Punctuation that reads badly right before an ellipsis: separators
// (ASCII and CJK), dashes and opening brackets/quotes.
const TRAILING_CUT_CHAR = /[\s,;:、，；：\p{Pd}\p{Ps}\p{Pi}]/u;
const ELLIPSIS = '\u2026';
// Word-break rules look at most a character or two past a boundary (plus
// any combining marks), so this much text after the cut point lets the
// segmenter see the same boundaries there as in the full text. Dictionary
// segmentation (CJK, Thai) looks further, but still only breaks between
// words of the shortened text.
const SEGMENTER_LOOKAHEAD = 64;

/** UTF-16 offset just after the first `n` code points of `s`, capped at its length. */
function offsetAfterCodePoints(s: string, n: number): number {
  let offset = 0;
  for (let i = 0; i < n && offset < s.length; i++) {
    const unit = s.charCodeAt(offset);
    const next = s.charCodeAt(offset + 1);
    offset += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return offset;
}

/**
 * Last boundary at or before `offset`. `containing()` lets ICU find it
 * directly instead of us iterating every segment from the start.
 */
function lastBoundaryAtOrBefore(segmenter: Intl.Segmenter, s: string, offset: number): number {
  return segmenter.segment(s).containing(offset)?.index ?? 0;
}

/**
 * `text` with whitespace runs collapsed and leading whitespace trimmed, but
 * only as much of it as is needed to hold more than `codePoints` code
 * points: excerpts of long posts then cost the same as excerpts of short
 * ones. Falls back to the whole text (fully trimmed) when it is short or
 * mostly whitespace.
 */
function collapsedHead(text: string, codePoints: number): string {
  // Raw text may hide long whitespace runs, so widen the window until the
  // collapsed head is long enough or the window covers the whole text.
  for (let rawLimit = codePoints * 2; rawLimit < text.length; rawLimit *= 2) {
    const head = text.slice(0, rawLimit).replace(ANY_WHITESPACE_RUN, ' ').trimStart();
    if (offsetAfterCodePoints(head, codePoints + 1) < head.length) return head;
  }
  return text.replace(ANY_WHITESPACE_RUN, ' ').trim();
}

function trimTrailingCutPunctuation(s: string): string {
  // A `[...]+$` regex would retry from every position; walking back is linear.
  let end = s.length;
  while (end > 0 && TRAILING_CUT_CHAR.test(s.charAt(end - 1))) end--;
  return s.slice(0, end);
}

/**
 * A one-paragraph teaser of at most `maxChars` code points (ellipsis
 * included). Long text is cut at a word boundary, so CJK text is cut
 * between words and no cut ever splits a grapheme, emoji or surrogate pair.
 */
export function makeExcerpt(text: string, maxChars = 240): string {
  if (!Number.isSafeInteger(maxChars) || maxChars < 1) {
    throw new RangeError(`maxChars must be a positive integer, got ${maxChars}`);
  }
  const collapsed = collapsedHead(text, maxChars + SEGMENTER_LOOKAHEAD);
  if (offsetAfterCodePoints(collapsed, maxChars) === collapsed.length) return collapsed;
  const cutAt = offsetAfterCodePoints(collapsed, maxChars - 1);
  const head = collapsed.slice(0, cutAt + SEGMENTER_LOOKAHEAD);
  let end = lastBoundaryAtOrBefore(words, head, cutAt);
  // A single word longer than the budget (a URL, a long compound): fall
  // back to the last grapheme boundary.
  if (end === 0) end = lastBoundaryAtOrBefore(graphemes, head, cutAt);
  const cut = head.slice(0, end);
  const tidy = trimTrailingCutPunctuation(cut);
  return (tidy !== '' ? tidy : cut.trimEnd()) + ELLIPSIS;
}

// Intl.Segmenter costs about a microsecond per segment plus several per
// call, too slow for whole posts at ingest rates. UAX #29 always breaks at
// these whitespace characters, so the chunks between them can be counted
// independently. U+FEFF is deliberately absent: it is a Format character
// that WB4 glues into the surrounding word.
const WORD_BREAKING_WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
// A chunk that is provably exactly one word under UAX #29: Latin letters,
// digits and connecting underscores (WB8–WB13b never break between them),
// apostrophes and full stops between letters (WB6/WB7: "don't", "e.g"),
// full stops and commas between digits (WB11/WB12: "1,000.50"), wrapped in
// punctuation that always breaks away from letters and digits.
const LATIN = 'A-Za-z\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u024f';
const SINGLE_WORD_CHUNK = new RegExp(
  `^["'(\\[‘“«]*` + // opening punctuation
    `_*[${LATIN}0-9][${LATIN}0-9_]*` +
    `(?:(?:(?<=[${LATIN}])['’.](?=[${LATIN}])|(?<=[0-9])[.,](?=[0-9]))[${LATIN}0-9_]+)*` +
    `[.,;:!?"')\\]’”»]*$`, // closing punctuation
);
// ASCII letters and digits with trailing sentence punctuation: every such chunk matches
// SINGLE_WORD_CHUNK too, and this test needs no lookbehind.
const PLAIN_WORD_CHUNK = /^[A-Za-z0-9]+[.,;:!?]*$/;
// Punctuation and symbols that never form a word on their own ('_' is
// excluded: it is ExtendNumLet and may join neighbours).
const NO_WORD_CHUNK =
  /^[!-/:-@[-^`{-~\u00a1-\u00a7\u00a9\u00ab\u00ac\u00ae\u00b0\u00b1\u00b6\u00bb\u00bf\u00d7\u00f7\u2010-\u2027\u2030-\u203e\u2041-\u2053\u2055-\u205e\u2190-\u21ff]+$/;

/** Number of words; CJK and Thai words are counted too, punctuation is not. */
export function countWords(text: string): number {
  let count = 0;
  const rest: string[] = [];
  for (const chunk of text.split(WORD_BREAKING_WHITESPACE)) {
    // Most chunks of English prose: a cheaper test of a subset of SINGLE_WORD_CHUNK.
    if (PLAIN_WORD_CHUNK.test(chunk)) {
      count++;
      continue;
    }
    if (chunk === '' || NO_WORD_CHUNK.test(chunk)) continue;
    if (SINGLE_WORD_CHUNK.test(chunk)) {
      count++;
    } else {
      rest.push(chunk);
    }
  }
  // One segmenter call for everything else; rejoining with a space adds
  // no word and keeps the chunks apart exactly as the original whitespace did.
  if (rest.length > 0) {
    for (const segment of words.segment(rest.join(' '))) {
      if (segment.isWordLike === true) count++;
    }
  }
  return count;
}

/**
 * A title, name or topic as stored and shown everywhere: plain text. Markup is parsed (not
 * pattern-matched) and dropped with the content of non-prose elements such as <script>; character
 * references are decoded exactly once (`&amp;amp;` → `&amp;`, `&lt;b&gt;` → the characters `<b>`,
 * which are text from then on and escaped by every renderer); then `cleanLine` (XML-safe, NFC,
 * whitespace collapsed, trimmed). Not idempotent on purpose: the result is text, never HTML again,
 * so apply it once, where the value enters the system.
 */
export function plainTitle(value: string): string {
  let out = '';
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (skipDepth > 0 || SKIPPED.has(name)) skipDepth++;
        // A break or block separates words ("Tips<br>Tricks"); inline markup does not ("<b>Re</b>sume").
        else if (name === 'br' || PARAGRAPH_BLOCKS.has(name) || LINE_BLOCKS.has(name)) out += ' ';
      },
      ontext(data) {
        if (skipDepth === 0) out += data;
      },
      onclosetag(name) {
        if (skipDepth > 0) skipDepth--;
        else if (PARAGRAPH_BLOCKS.has(name) || LINE_BLOCKS.has(name)) out += ' ';
      },
    },
    { decodeEntities: true },
  );
  parser.end(value);
  return cleanLine(out);
}
