import { createHash } from 'node:crypto';
import { attr, httpUrl, text, time } from '../pages/html';

/**
 * The no-JavaScript embeds: small pages made to sit in an iframe on someone else's site (a
 * topic's or an author's latest posts, or one post for oEmbed). They differ from the site's pages
 * in three ways only: any site may frame them (`frame-ancestors *`, here and nowhere else), links
 * open in the top window (a reader should not browse our site inside a 300px box), and there is
 * no header or footer chrome.
 */

export interface EmbedPostView {
  title: string;
  url: string;
  /** Plain text. */
  excerpt: string;
  /** RFC 3339. */
  published: string;
  authorName: string;
  image: string | null;
}

export interface EmbedListPageView {
  siteTitle: string;
  language: string;
  dir: 'ltr' | 'rtl';
  /** Plain text, e.g. "Internships". */
  heading: string;
  /** The full page on our site ("More posts"). */
  moreUrl: string;
  posts: EmbedPostView[];
}

export interface EmbedPostPageView {
  siteTitle: string;
  language: string;
  dir: 'ltr' | 'rtl';
  post: EmbedPostView;
}

export const EMBED_PAGE_CSS = [
  ':root{color-scheme:light;--fg:#1b1b1b;--muted:#595959;--accent:#0b57d0;--line:#d9d9d9}',
  'body{margin:0;padding:.75rem;color:var(--fg);background:#fff;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;overflow-wrap:break-word}',
  'h1{font-size:1.125rem;margin:0 0 .5rem}',
  'ol{list-style:none;margin:0;padding:0}',
  'li{padding:.5rem 0;border-bottom:1px solid var(--line)}',
  'a{color:var(--accent)}',
  '.title{font-weight:600}',
  '.meta{color:var(--muted);font-size:.875rem;margin:.25rem 0 0}',
  'p{margin:.25rem 0 0}',
  'img{display:block;max-width:100%;max-height:12rem;height:auto;margin:.5rem 0 0}',
].join('\n');

const EMBED_STYLE_HASH = `'sha256-${createHash('sha256').update(EMBED_PAGE_CSS, 'utf8').digest('base64')}'`;

/** As strict as the site's pages (no script at all), except that any site may frame these. */
export const EMBED_PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  'img-src https: http: data:',
  `style-src ${EMBED_STYLE_HASH}`,
  "base-uri 'none'",
  "form-action 'none'",
  'frame-ancestors *',
].join('; ');

/** A link that leaves the iframe: opens in the top window. */
function topLink(url: string, label: string, className = ''): string {
  const safe = httpUrl(url);
  if (safe === null) return text(label);
  return `<a href="${attr(safe)}" target="_top"${className ? ` class="${className}"` : ''}>${text(label)}</a>`;
}

function postBlock(post: EmbedPostView, language: string, withImage: boolean): string {
  const image = withImage ? httpUrl(post.image) : null;
  return [
    topLink(post.url, post.title, 'title'),
    `<p class="meta">${time(post.published, language)} · ${text(post.authorName)}</p>`,
    image ? `<img src="${attr(image)}" alt="" loading="lazy">` : '',
    post.excerpt ? `<p>${text(post.excerpt)}</p>` : '',
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function document(language: string, dir: string, title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${attr(language)}" dir="${attr(dir)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${text(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${EMBED_PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function renderEmbedListPage(view: EmbedListPageView): string {
  const items = view.posts.map((post) => `<li>${postBlock(post, view.language, false)}</li>`);
  const body = [
    `<h1>${topLink(view.moreUrl, view.heading)}</h1>`,
    items.length > 0 ? `<ol>\n${items.join('\n')}\n</ol>` : '<p>No posts yet.</p>',
    `<p>${topLink(view.moreUrl, `More posts on ${view.siteTitle}`)}</p>`,
  ].join('\n');
  return document(view.language, view.dir, `${view.heading} · ${view.siteTitle}`, body);
}

export function renderEmbedPostPage(view: EmbedPostPageView): string {
  const body = `<article>\n${postBlock(view.post, view.language, true)}\n<p class="meta">${text(view.siteTitle)}</p>\n</article>`;
  return document(view.language, view.dir, `${view.post.title} · ${view.siteTitle}`, body);
}

/**
 * The one line a campus site pastes: the script and the element. `scope` is a topic (tag or
 * category slug) or an author slug; slugs are [a-z0-9-], so no quoting can break.
 */
export function embedSnippet(publicBaseUrl: string, scope: { topic: string } | { author: string }, limit = 5): string {
  const attribute = 'topic' in scope ? `topic="${scope.topic}"` : `author="${scope.author}"`;
  return `<script src="${publicBaseUrl}/embed.js" async></script><careerfeed-posts ${attribute} limit="${limit}"></careerfeed-posts>`;
}

export interface OEmbedInput {
  siteTitle: string;
  siteUrl: string;
  title: string;
  authorName: string;
  authorUrl: string;
  /** The iframe's document: /embed/posts/{slug}. */
  embedUrl: string;
  maxWidth?: number;
  maxHeight?: number;
}

/** Defaults of the iframe; the consumer's maxwidth/maxheight lower them (oEmbed §2.2). */
const OEMBED_WIDTH = 480;
const OEMBED_HEIGHT = 320;

/** An oEmbed 1.0 "rich" response whose html is an iframe of the post's embed page. */
export function buildOEmbedResponse(input: OEmbedInput): Record<string, string | number> {
  const width = Math.min(OEMBED_WIDTH, input.maxWidth ?? OEMBED_WIDTH);
  const height = Math.min(OEMBED_HEIGHT, input.maxHeight ?? OEMBED_HEIGHT);
  const src = httpUrl(input.embedUrl) ?? '';
  return {
    version: '1.0',
    type: 'rich',
    title: input.title,
    author_name: input.authorName,
    author_url: input.authorUrl,
    provider_name: input.siteTitle,
    provider_url: input.siteUrl,
    cache_age: 3600,
    width,
    height,
    html: `<iframe src="${attr(src)}" width="${width}" height="${height}" title="${attr(input.title)}" loading="lazy" style="border:0;max-width:100%"></iframe>`,
  };
}
