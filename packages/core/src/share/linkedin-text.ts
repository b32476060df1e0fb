/**
 * LinkedIn's "little text" format (Posts API `commentary`): these characters are markup (mentions
 * `@[Name](urn)`, hashtag templates `{hashtag|\#|Tag}`, …) and must be backslash-escaped when meant
 * literally; an unescaped one makes the API reject or mangle the post.
 */
const RESERVED = /[\\|{}@[\]()<>#*_~]/g;

export function escapeLittleText(s: string): string {
  return s.replace(RESERVED, (c) => `\\${c}`);
}

export function unescapeLittleText(s: string): string {
  return s.replace(/\\([\\|{}@[\]()<>#*_~])/g, '$1');
}

/** A hashtag in little text; `tag` is the hashtag without '#', letters/digits/marks only. */
export function littleTextHashtag(tag: string): string {
  return `{hashtag|\\#|${escapeLittleText(tag)}}`;
}
