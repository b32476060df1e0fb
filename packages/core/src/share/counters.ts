import type { ParseTweetOptions } from 'twitter-text';
import { SINGLE_GRAPHEME_CHARS, graphemeCount } from './text-fit';
import { twitterText } from './twitter-text';

/**
 * One counter per network, each the network's own rule or a conservative bound of it (never
 * counting less than the network does).
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** X: twitter-text's weighted length (URLs 23, CJK and emoji 2). */
export function xLength(text: string): number {
  return twitterText().parseTweet(text).weightedLength;
}

// `configs` is exported by twitter-text but missing from @types/twitter-text.
declare module 'twitter-text' {
  export const configs: { defaults: Required<ParseTweetOptions> };
}

// twemoji-parser counts an emoji sequence as one weight; these mark the graphemes that may be one.
const MAYBE_EMOJI =
  /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u20E3|\uFE0F|[\u{E0020}-\u{E007F}]/u;

/**
 * X: the weight of one grapheme cluster of plain text (not a URL), by twitter-text's own config:
 * each code point of the NFC form weighs its range's weight (getCharacterWeight looks at its first
 * UTF-16 unit, so astral code points get the default weight); emoji go through parseTweet itself,
 * since twemoji-parser decides how many of them make one weighted emoji.
 */
export function xGraphemeWeight(grapheme: string): number {
  if (MAYBE_EMOJI.test(grapheme)) return xLength(grapheme);
  const xConfig = twitterText().configs.defaults;
  let weight = 0;
  for (const ch of grapheme.normalize('NFC')) {
    const unit = ch.charCodeAt(0);
    const range = xConfig.ranges.find((r) => unit >= r.start && unit <= r.end);
    weight += range?.weight ?? xConfig.defaultWeight;
  }
  return weight / xConfig.scale;
}

/**
 * Mastodon: every URL with a protocol counts as `urlLength`. Mastodon counts grapheme clusters of
 * the rest (older versions code points); code points are never fewer, so we count those.
 */
export function mastodonLength(text: string, urlLength = 23): number {
  let n = 0;
  let last = 0;
  for (const { indices } of twitterText().extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false })) {
    n += codePoints(text.slice(last, indices[0])) + urlLength;
    last = indices[1];
  }
  return n + codePoints(text.slice(last));
}

export function blueskyLength(text: string): { graphemes: number; bytes: number } {
  return { graphemes: graphemeCount(text), bytes: Buffer.byteLength(text, 'utf8') };
}

/** Threads: 500 characters, where "emojis are counted as the number of UTF-8 bytes". */
export function threadsLength(text: string): number {
  let n = 0;
  const clusters = SINGLE_GRAPHEME_CHARS.test(text) ? text : Array.from(graphemes.segment(text), (g) => g.segment);
  for (const segment of clusters) n += threadsGraphemeLength(segment);
  return n;
}

export function threadsGraphemeLength(grapheme: string): number {
  return EMOJI.test(grapheme) ? Buffer.byteLength(grapheme, 'utf8') : codePoints(grapheme);
}

/** Threads counts unique URLs, bare domains included. */
export function threadsLinkCount(text: string): number {
  return new Set(twitterText().extractUrls(text)).size;
}
