import sanitizeHtml from 'sanitize-html';
import { stripIllegalXmlChars } from '@careerfeed/core';

/**
 * A comment body: text with the few tags WordPress allows in comments, nothing else. Unlike a post
 * body (whose disallowed tags are dropped), a disallowed tag here is escaped and shown as text:
 * a reader who types `<div>` or `<script>` in a comment about HTML sees what they typed, and a
 * spammer's markup is visibly inert. sanitize-html drops the attributes of an escaped tag
 * (`<img onerror=…>` shows as `<img />`), which is what keeps the escaped text free of them.
 */

const LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

function httpHref(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value.trim())) return undefined;
  const url = new URL(value.trim());
  return LINK_PROTOCOLS.has(url.protocol) ? url.href : undefined;
}

const COMMENT_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['a', 'abbr', 'acronym', 'b', 'blockquote', 'cite', 'code', 'del', 'em', 'i', 'q', 'strike', 'strong'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    abbr: ['title'],
    acronym: ['title'],
    blockquote: ['cite'],
    del: ['datetime'],
    q: ['cite'],
  },
  allowedSchemes: ['http', 'https'],
  allowedSchemesAppliedToAttributes: ['href', 'cite'],
  allowProtocolRelative: false,
  transformTags: {
    // Comment links are user-generated content: search engines are told so, and the commenter's
    // link earns no ranking. Only absolute http(s) links survive; the WHATWG parser defeats
    // `JaVaScRiPt:`, `java\tscript:` and entity tricks.
    a: (tagName, attribs) => {
      const href = httpHref(attribs.href);
      return {
        tagName,
        attribs: {
          ...(href ? { href, rel: 'nofollow ugc' } : {}),
          ...(attribs.title !== undefined ? { title: attribs.title } : {}),
        },
      };
    },
  },
  // Everything not allowed is shown as text, nested contents included; nothing is dropped silently.
  disallowedTagsMode: 'recursiveEscape',
  nonTextTags: [],
  // A link whose href was refused is just its text.
  exclusiveFilter: (frame) => (frame.tag === 'a' && frame.attribs.href === undefined ? 'excludeTag' : false),
  // Line breaks the commenter typed are kept. The filter's output is inserted as is (not parsed
  // again), so these <br> exist although a typed <br> is escaped like any tag not on the list;
  // it runs on text nodes only, never inside an attribute.
  textFilter: (text) => text.replace(/\n/g, '<br>\n'),
};

export interface SanitizedCommentBody {
  html: string;
  /** Links in what was typed (anchors and bare URLs): what the link limits count. */
  linkCount: number;
}

const URL_IN_TEXT = /https?:\/\//gi;

/** Typed text → stored HTML. CRLF and CR become LF first so every browser's line breaks count once. */
export function sanitizeCommentBody(raw: string): SanitizedCommentBody {
  const normalized = stripIllegalXmlChars(raw.replace(/\r\n?/g, '\n')).trim();
  const html = stripIllegalXmlChars(sanitizeHtml(normalized, COMMENT_OPTIONS));
  return { html, linkCount: (normalized.match(URL_IN_TEXT) ?? []).length };
}
