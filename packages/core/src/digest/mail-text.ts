import { cleanLine, codePointLength } from '../text';

/** Longest subject we produce, in code points. RFC 5322 allows more, but clients cut far earlier. */
export const MAX_SUBJECT_LENGTH = 150;

/** Column the text part wraps at; URLs are never wrapped, they go on lines of their own. */
export const TEXT_WIDTH = 72;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

// cleanLine removes what XML forbids (most C0 controls, lone surrogates) and folds whitespace,
// CR and LF included; DEL and the C1 block are legal XML but no business in a header.
const OTHER_CONTROLS = /[\u007F-\u009F]/g;

/**
 * Text for a single-line header (Subject): no CR/LF or other control characters, so nothing can
 * inject a header, whitespace folded, and at most `max` code points. A longer text is cut at the
 * last word boundary (or, in one long word, the last whole grapheme, so a surrogate pair or an
 * emoji sequence is never split) and ends with an ellipsis.
 */
export function sanitizeHeaderText(value: string, max = MAX_SUBJECT_LENGTH): string {
  const line = cleanLine(value.replace(OTHER_CONTROLS, ' '));
  if (codePointLength(line) <= max) return line;
  const room = max - 1; // for the ellipsis
  let cut = '';
  let length = 0;
  for (const { segment } of graphemes.segment(line)) {
    const size = codePointLength(segment);
    if (length + size > room) break;
    cut += segment;
    length += size;
  }
  const lastSpace = cut.lastIndexOf(' ');
  // A boundary in the first half would throw away too much; cut inside the word instead.
  const head = lastSpace > room / 2 ? cut.slice(0, lastSpace) : cut;
  return `${head.trimEnd()}…`;
}

function isUrl(word: string): boolean {
  return /^https?:\/\//i.test(word);
}

/**
 * Greedy word wrap of one paragraph at `width` code points. A URL always gets a line of its own
 * and is never broken (mail clients only link what they see whole); a word longer than the width
 * overflows rather than being split.
 */
export function wrapParagraph(paragraph: string, width = TEXT_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    if (line !== '') lines.push(line);
    line = '';
  };
  for (const word of paragraph.split(/\s+/)) {
    if (word === '') continue;
    if (isUrl(word)) {
      flush();
      lines.push(word);
    } else if (line === '') {
      line = word;
    } else if (codePointLength(line) + 1 + codePointLength(word) <= width) {
      line += ` ${word}`;
    } else {
      flush();
      line = word;
    }
  }
  flush();
  return lines;
}

/** `wrapParagraph` joined with newlines. */
export function wrapText(paragraph: string, width = TEXT_WIDTH): string {
  return wrapParagraph(paragraph, width).join('\n');
}
