/**
 * WordPress stores a post body as the editor left it, not as readers see it: block-editor comments
 * (`<!-- wp:paragraph -->`), shortcodes (`[caption]…[/caption]`) and, from the classic editor, bare
 * text whose blank lines WordPress turns into paragraphs only when it displays the post (wpautop).
 * `cleanWordPressMarkup` does those steps once, at import, so the stored HTML is what readers saw.
 * The result still goes through the posts service's sanitizer like any API post.
 *
 * Written here rather than taken from a library: the npm ports of wpautop and of WordPress's
 * shortcode parser are unmaintained or GPL copies of WordPress's PHP; these steps are small and
 * covered by tests (markup.test.ts).
 */

const BLOCK_COMMENT = /<!--\s*\/?wp:[\s\S]*?-->/g;

/** Shortcodes whose content is media to link to rather than text. */
const URL_SHORTCODES = new Set(['embed', 'video', 'audio']);

/**
 * Shortcodes of WordPress itself and of common plugins that may stand alone (no closing tag) and
 * render something we cannot: dropped. Any other `[word]` is left as text unless it has a closing
 * tag, since "[sic]" or "[1]" in prose is not a shortcode.
 */
const STANDALONE_SHORTCODES = new Set([
  'gallery',
  'playlist',
  'audio',
  'video',
  'embed',
  'wp_caption',
  'contact-form-7',
  'contact-form',
  'gravityform',
  'wpforms',
  'ninja_form',
  'instagram-feed',
  'rev_slider',
  'vc_row',
  'vc_column',
  'vc_column_text',
  'et_pb_section',
  'et_pb_row',
  'et_pb_column',
  'et_pb_text',
]);

const BLOCK_TAGS =
  'address|article|aside|blockquote|dd|details|div|dl|dt|figcaption|figure|footer|form|h[1-6]|header|hr|iframe|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul|video|audio|object|embed|style|script|noscript';
const STARTS_WITH_BLOCK = new RegExp(`^<\\/?(?:${BLOCK_TAGS})\\b`, 'i');
const BLOCK_TAG = new RegExp(`^<\\/?(?:${BLOCK_TAGS})\\b[^>]*>$`, 'i');

export function cleanWordPressMarkup(raw: string): string {
  const withoutBlocks = raw.replace(BLOCK_COMMENT, '');
  const withoutShortcodes = expandShortcodes(withoutBlocks);
  return autoParagraphs(withoutShortcodes);
}

/** Removes block-editor comments only (REST `content.rendered` is otherwise final HTML). */
export function stripBlockComments(html: string): string {
  return html.replace(BLOCK_COMMENT, '');
}

// --- shortcodes ----------------------------------------------------------------------------------

const OPENING = /\[(\[?)([a-zA-Z][\w-]*)((?:\s[^\]]*?)?)(\/?)\](\]?)/g;

/**
 * `[caption …]<img …> Text[/caption]` becomes a figure with its caption; `[embed]URL[/embed]`
 * (and audio, video) a link to the URL; any other enclosing shortcode is replaced by its inner text;
 * `[[name]]` (WordPress's escape) becomes the literal `[name]`.
 */
export function expandShortcodes(html: string, depth = 0): string {
  if (depth > 8 || !html.includes('[')) return html;
  let out = '';
  let last = 0;
  OPENING.lastIndex = 0;
  for (let match = OPENING.exec(html); match; match = OPENING.exec(html)) {
    const [whole, escOpen, nameRaw, attrs = '', selfClosing, escClose] = match;
    const name = nameRaw!.toLowerCase();
    const start = match.index;
    if (escOpen && escClose) {
      // [[gallery]] is how an author writes the text "[gallery]".
      out += html.slice(last, start) + whole.slice(1, -1);
      last = start + whole.length;
      continue;
    }
    const afterOpen = start + whole.length;
    const closeTag = `[/${nameRaw}]`;
    const closeAt = selfClosing ? -1 : indexOfIgnoreCase(html, closeTag, afterOpen);
    if (closeAt >= 0) {
      const inner = html.slice(afterOpen, closeAt);
      out += html.slice(last, start) + renderEnclosing(name, attrs, inner, depth);
      last = closeAt + closeTag.length;
      OPENING.lastIndex = last;
      continue;
    }
    if (selfClosing || STANDALONE_SHORTCODES.has(name)) {
      out += html.slice(last, start);
      last = afterOpen;
    }
  }
  return out + html.slice(last);
}

function renderEnclosing(name: string, attrs: string, inner: string, depth: number): string {
  if (name === 'caption' || name === 'wp_caption') return renderCaption(attrs, expandShortcodes(inner, depth + 1));
  if (URL_SHORTCODES.has(name)) {
    const url = inner.trim();
    if (/^https?:\/\/\S+$/i.test(url)) return `<p><a href="${escapeAttr(url)}">${escapeText(url)}</a></p>`;
  }
  return expandShortcodes(inner, depth + 1);
}

const CAPTIONED_MEDIA = /^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*<\/a>)?)([\s\S]*)$/i;

function renderCaption(attrs: string, inner: string): string {
  const media = CAPTIONED_MEDIA.exec(inner);
  // Before WordPress 3.4 the caption was an attribute: [caption caption="Text"]<img>[/caption].
  const attrCaption = /\bcaption="([^"]*)"/i.exec(attrs)?.[1];
  if (!media) return inner;
  const caption = (media[2] ?? '').trim() || (attrCaption ?? '').trim();
  return caption ? `<figure>${media[1]}<figcaption>${caption}</figcaption></figure>` : `<figure>${media[1]}</figure>`;
}

function indexOfIgnoreCase(haystack: string, needle: string, from: number): number {
  const exact = haystack.indexOf(needle, from);
  if (exact >= 0) return exact;
  return haystack.toLowerCase().indexOf(needle.toLowerCase(), from);
}

// --- paragraphs ----------------------------------------------------------------------------------

const PRE_BLOCK = /<pre\b[\s\S]*?<\/pre>/gi;

/**
 * Classic-editor bodies separate paragraphs with blank lines and break lines with single newlines;
 * WordPress adds the `<p>` and `<br>` when displaying. A chunk between blank lines that already
 * starts or ends with a block element is left as it is; `<pre>` blocks are never touched. Bodies
 * without a blank line are returned unchanged, so block-editor HTML passes through as written.
 */
export function autoParagraphs(html: string): string {
  const text = html.replace(/\r\n?/g, '\n');
  if (!/\n[ \t]*\n/.test(text)) return text.trim();
  const preserved: string[] = [];
  const masked = text.replace(PRE_BLOCK, (pre) => {
    preserved.push(pre);
    return `\uE000${preserved.length - 1}\uE000`;
  });
  const chunks = masked
    .split(/\n[ \t]*\n+/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk !== '');
  const paragraphs = chunks.map((chunk) => {
    if (/^\uE000\d+\uE000$/.test(chunk) || STARTS_WITH_BLOCK.test(chunk) || endsWithBlockTag(chunk)) return chunk;
    return `<p>${chunk.replace(/\s*\n\s*/g, '<br>\n')}</p>`;
  });
  return paragraphs.join('\n').replace(/\uE000(\d+)\uE000/g, (_, index: string) => preserved[Number(index)]!);
}

/** Tested on the last tag only: a regex anchored at the end would be tried at every "<" of the chunk. */
function endsWithBlockTag(chunk: string): boolean {
  if (!chunk.endsWith('>')) return false;
  const last = chunk.lastIndexOf('<');
  return last >= 0 && BLOCK_TAG.test(chunk.slice(last));
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
