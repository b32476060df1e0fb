import { extractUrls, extractUrlsWithIndices, parseTweet } from 'twitter-text';
import { graphemeCount } from './text-fit';

/**
 * One counter per network, each the network's own rule or a conservative bound of it (never
 * counting less than the network does).
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** X: twitter-text's weighted length (URLs 23, CJK and emoji 2). */
export function xLength(text: string): number {
  return parseTweet(text).weightedLength;
}

/**
 * Mastodon: every URL with a protocol counts as `urlLength`. Mastodon counts grapheme clusters of
 * the rest (older versions code points); code points are never fewer, so we count those.
 */
export function mastodonLength(text: string, urlLength = 23): number {
  let n = 0;
  let last = 0;
  for (const { indices } of extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false })) {
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
  for (const { segment } of graphemes.segment(text)) {
    n += EMOJI.test(segment) ? Buffer.byteLength(segment, 'utf8') : codePoints(segment);
  }
  return n;
}

/** Threads counts unique URLs, bare domains included. */
export function threadsLinkCount(text: string): number {
  return new Set(extractUrls(text)).size;
}
