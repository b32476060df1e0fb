import sanitizeHtml from 'sanitize-html';
import { stripIllegalXmlChars } from './text';

/**
 * Post bodies arrive as HTML from the CMS and are republished verbatim in
 * feeds, emails and third-party readers, none of which we control. The
 * policy is therefore a strict allowlist: structural and inline text markup,
 * links, images and tables; no styling, scripting, embedding or forms.
 */

const LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);
const REL_TOKENS: ReadonlySet<string> = new Set(['nofollow', 'noopener', 'noreferrer', 'ugc', 'sponsored']);
const TABLE_SCOPES: ReadonlySet<string> = new Set(['row', 'col', 'rowgroup', 'colgroup']);

const DIMENSION = /^\d{1,5}$/;
const SPAN = /^\d{1,4}$/;
const LIST_START = /^-?\d{1,9}$/;
const CODE_LANGUAGE_CLASS = /^language-[\w-]+$/;
const ASCII_WHITESPACE = /[\t\n\f\r ]+/;

/**
 * The base URL of the call in progress. sanitize-html is synchronous and
 * our transforms are only invoked from inside `sanitizePostHtml`, so a
 * module-level slot lets the options object be built once instead of
 * allocating closures for every post.
 */
let currentBase: URL | null = null;

type Attributes = sanitizeHtml.Attributes;

/**
 * Resolves `value` against the current base and returns the absolute URL,
 * or null when it is unparseable or uses a scheme outside `protocols`.
 * Checking the *parsed* protocol is what defeats `JaVaScRiPt:`,
 * `java\tscript:`, leading control characters and entity-encoded schemes:
 * the WHATWG parser normalises them exactly as a browser would.
 */
function resolveUrl(value: string | undefined, protocols: ReadonlySet<string>): string | null {
  if (value === undefined || currentBase === null || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value, currentBase);
  } catch {
    return null;
  }
  return protocols.has(url.protocol) ? url.href : null;
}

function copyIf(from: Attributes, to: Attributes, name: string, pattern: RegExp): void {
  const value = from[name];
  if (value !== undefined && pattern.test(value.trim())) to[name] = value.trim();
}

function filterRel(value: string | undefined): string | null {
  if (value === undefined) return null;
  const tokens = new Set<string>();
  for (const token of value.toLowerCase().split(ASCII_WHITESPACE)) {
    if (REL_TOKENS.has(token)) tokens.add(token);
  }
  return tokens.size > 0 ? [...tokens].join(' ') : null;
}

// The transforms rebuild the attribute map from scratch, so anything not
// copied here is gone even before sanitize-html applies allowedAttributes.

function transformAnchor(tagName: string, attribs: Attributes): sanitizeHtml.Tag {
  const out: Attributes = {};
  const href = resolveUrl(attribs.href, LINK_PROTOCOLS);
  if (href !== null) out.href = href;
  if (attribs.title !== undefined) out.title = attribs.title;
  const rel = filterRel(attribs.rel);
  if (rel !== null) out.rel = rel;
  return { tagName, attribs: out };
}

function transformImage(tagName: string, attribs: Attributes): sanitizeHtml.Tag {
  const out: Attributes = {};
  const src = resolveUrl(attribs.src, IMAGE_PROTOCOLS);
  if (src !== null) out.src = src;
  if (attribs.alt !== undefined) out.alt = attribs.alt;
  if (attribs.title !== undefined) out.title = attribs.title;
  copyIf(attribs, out, 'width', DIMENSION);
  copyIf(attribs, out, 'height', DIMENSION);
  return { tagName, attribs: out };
}

function transformCell(tagName: string, attribs: Attributes): sanitizeHtml.Tag {
  const out: Attributes = {};
  copyIf(attribs, out, 'colspan', SPAN);
  copyIf(attribs, out, 'rowspan', SPAN);
  const scope = attribs.scope?.trim().toLowerCase();
  if (scope !== undefined && TABLE_SCOPES.has(scope)) out.scope = scope;
  return { tagName, attribs: out };
}

function transformOrderedList(tagName: string, attribs: Attributes): sanitizeHtml.Tag {
  const out: Attributes = {};
  copyIf(attribs, out, 'start', LIST_START);
  return { tagName, attribs: out };
}

/**
 * The post policy's allowlists as plain data (the URL, rel, class and size rules are the
 * transforms below): exported so that `bench:sanitize` gives other libraries the same lists.
 */
export const POST_HTML_ALLOWED_TAGS: readonly string[] = [
  'p',
  'br',
  'hr',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'em',
  'strong',
  'b',
  'i',
  'u',
  's',
  'del',
  'ins',
  'sub',
  'sup',
  'mark',
  'small',
  'abbr',
  'cite',
  'q',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'img',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
];

export const POST_HTML_ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  th: ['colspan', 'rowspan', 'scope'],
  td: ['colspan', 'rowspan', 'scope'],
  abbr: ['title'],
  code: ['class'],
  pre: ['class'],
  ol: ['start'],
};

// Disallowed tags are normally unwrapped and their text kept; for these
// the "text" is code, markup or form chrome, so drop it entirely.
export const POST_HTML_DROPPED_WITH_CONTENT: readonly string[] = [
  'script',
  'style',
  'textarea',
  'option',
  'select',
  'button',
  'iframe',
  'frame',
  'frameset',
  'noframes',
  'object',
  'embed',
  'applet',
  'form',
  'svg',
  'math',
  'template',
  'noscript',
  'noembed',
  'xmp',
  'plaintext',
  'head',
  'title',
  'canvas',
];

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...POST_HTML_ALLOWED_TAGS],
  allowedAttributes: Object.fromEntries(
    Object.entries(POST_HTML_ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]]),
  ),
  allowedClasses: {
    code: [CODE_LANGUAGE_CLASS],
    pre: [CODE_LANGUAGE_CLASS],
  },
  // Second line of defence: the transforms already resolved and vetted
  // every URL, and after resolution nothing is protocol-relative.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  transformTags: {
    // The page template owns the only h1.
    h1: 'h2',
    a: transformAnchor,
    img: transformImage,
    th: transformCell,
    td: transformCell,
    ol: transformOrderedList,
  },
  nonTextTags: [...POST_HTML_DROPPED_WITH_CONTENT],
  disallowedTagsMode: 'discard',
  // An <img> whose src was rejected would render as a broken-image icon,
  // and an <a> whose href was rejected is just noise around its text.
  exclusiveFilter: (frame) => {
    if (frame.tag === 'img') return frame.attribs.src === undefined;
    if (frame.tag === 'a' && frame.attribs.href === undefined) return 'excludeTag';
    return false;
  },
};

/**
 * Sanitises a post body for republication. Relative links and image
 * sources are made absolute against `baseUrl` (which must be an absolute
 * http(s) URL, typically the post's canonical URL); anything with another
 * scheme is removed. The output is safe to embed in HTML and in XML feeds.
 */
export function sanitizePostHtml(html: string, baseUrl: string): string {
  const base = URL.canParse(baseUrl) ? new URL(baseUrl) : null;
  if (base === null || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new TypeError(`baseUrl must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  currentBase = base;
  try {
    // Entities such as &#1; decode to characters that are illegal in XML
    // and are re-emitted raw, hence the second pass on the output.
    return stripIllegalXmlChars(sanitizeHtml(stripIllegalXmlChars(html), SANITIZE_OPTIONS));
  } finally {
    currentBase = null;
  }
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const HTML_SPECIAL = /[&<>"']/g;

/** Escapes text for use in HTML element content or quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(HTML_SPECIAL, (ch) => HTML_ESCAPES[ch] ?? ch);
}
