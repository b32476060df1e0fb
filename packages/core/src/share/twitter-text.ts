import type * as TwitterText from 'twitter-text';

/**
 * twitter-text, loaded on first use instead of when @careerfeed/core is imported.
 *
 * Its build requires core-js 2, whose feature tests assign `constructor` on a RegExp instance.
 * V8 then gives up its fast paths for `String#split` and `String#replace` with a regexp in the
 * whole process, for good: splitting a 5 KB post text on /\n+/ went from ~15 µs to ~1 ms, and
 * sanitizing, plain text, excerpt and word count of a post together from ~0.7 to ~2.3 ms (see
 * docs/benchmarks.md, "Ingest: the text pipeline"). Only share payloads need twitter-text, so a
 * process that never builds one (the ingest API, the feed service) keeps the fast paths.
 */
let loaded: typeof TwitterText | undefined;

export function twitterText(): typeof TwitterText {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy, see above
  loaded ??= require('twitter-text') as typeof TwitterText;
  return loaded;
}
