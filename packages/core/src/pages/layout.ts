import { createHash } from 'node:crypto';
import type { FeedLinkView, SiteView } from './page-model';
import { attr, httpUrl, link, text } from './html';
import { OPENSEARCH_MEDIA_TYPE, openSearchUrl } from './opensearch';

/**
 * The whole stylesheet, inline: one request per page, nothing to cache-bust, and the policy below
 * can allow exactly this text by its hash instead of 'unsafe-inline'. Mobile first: the measure
 * is at most 42rem and nothing may be wider than the screen (long words and URLs wrap, code blocks
 * and tables scroll inside themselves).
 */
export const PAGE_CSS = [
  ':root{color-scheme:light dark;--fg:#1b1b1b;--muted:#595959;--bg:#fff;--accent:#0b57d0;--line:#d9d9d9;--code:#f4f4f4}',
  '@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--muted:#a8a8a8;--bg:#121212;--accent:#8ab4f8;--line:#3a3a3a;--code:#1e1e1e}}',
  '*{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:break-word}',
  '.wrap{max-width:42rem;margin:0 auto;padding:0 1rem}',
  'header.site{border-bottom:1px solid var(--line);padding:.75rem 0}',
  'header.site a{font-weight:700;text-decoration:none;color:var(--fg)}',
  // The header's search box sits beside the site name, or under it on a narrow screen.
  'header.site .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}',
  '.search-row{display:flex;gap:.5rem}',
  'input[type=search]{flex:1;min-width:0;font:inherit;padding:.5rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}',
  'header.site input[type=search]{width:12rem;padding:.375rem .5rem}',
  'header.site button{min-height:2.75rem;padding:.375rem .75rem}',
  'form.search{margin:0 0 1.5rem}',
  'form.search label{display:block;font-weight:600;margin:0 0 .25rem}',
  '.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
  'mark{background:#fff3a3;color:#1b1b1b;padding:0 .1em}',
  'main{padding:1rem 0 2rem}',
  'footer.site{border-top:1px solid var(--line);padding:1rem 0 2rem;color:var(--muted);font-size:.9375rem}',
  'a{color:var(--accent)}',
  'h1,h2,h3{line-height:1.25;margin:1.5rem 0 .5rem}',
  'h1{font-size:1.75rem}h2{font-size:1.375rem}h3{font-size:1.125rem}',
  'img,video{max-width:100%;height:auto}',
  'pre{overflow-x:auto;padding:.75rem;background:var(--code);border-radius:4px;overflow-wrap:normal}',
  'code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}',
  // display:block lets a wide table scroll on its own instead of widening the page.
  'table{display:block;max-width:100%;overflow-x:auto;border-collapse:collapse}',
  'th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left}',
  'blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid var(--line);color:var(--muted)}',
  '.meta{color:var(--muted);font-size:.9375rem;margin:.25rem 0}',
  '.posts{list-style:none;padding:0;margin:0}',
  '.posts>li{border-bottom:1px solid var(--line);padding:.5rem 0 1rem}',
  '.posts h2,.posts h3{margin:.5rem 0 .25rem}',
  '.cover{display:block;margin:1rem 0;border-radius:4px}',
  '.tags{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}',
  // Flex items size to their longest word, which break-word ignores: a 64-letter tag must still wrap.
  '.tags li{max-width:100%}',
  '.tags a{display:inline-block;max-width:100%;overflow-wrap:anywhere;padding:.125rem .5rem;border:1px solid var(--line);border-radius:1rem;text-decoration:none}',
  '.box{border:1px solid var(--line);border-radius:6px;padding:0 1rem;margin:2rem 0}',
  '.pagination{display:flex;gap:1rem;margin:1.5rem 0}',
  '.pagination a[rel=next]{margin-left:auto}',
  '.feeds code{font-size:.875rem}',
  // Forms (subscribe, preferences, unsubscribe): full-width fields and 44px tap targets on a phone.
  '.field{margin:0 0 1rem}',
  '.field>label,legend{display:block;font-weight:600;margin:0 0 .25rem}',
  'input[type=email],select{display:block;width:100%;font:inherit;padding:.5rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}',
  'fieldset{border:1px solid var(--line);border-radius:6px;margin:0 0 1rem;padding:.5rem 1rem;min-width:0}',
  '.choices{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:0 1.25rem}',
  '.choices li{max-width:100%}',
  '.choices label{display:inline-flex;gap:.5rem;align-items:center;min-height:2.75rem;overflow-wrap:anywhere}',
  // A choice's name never breaks inside a word ("Weekly", not "Wee-kly"); only its hint wraps, between words.
  '.choices .name{flex:none;white-space:nowrap}',
  // The hint goes under its name, lined up with it (past the 1.25rem box and the .5rem gap).
  '.choices label:has(.hint){flex-wrap:wrap;row-gap:0;padding:.25rem 0}',
  '.choices .hint{flex-basis:100%;margin:0 0 0 1.75rem;overflow-wrap:break-word;min-width:0}',
  '.count{color:var(--muted);font-size:.875rem;white-space:nowrap}',
  'details.topics{border-top:1px solid var(--line);padding:.25rem 0}',
  // list-item keeps the disclosure triangle; the padding makes it a 44px tap target.
  'details.topics summary{display:list-item;padding:.625rem 0;cursor:pointer;font-weight:600}',
  'input[type=search]{display:block;width:100%;font:inherit;padding:.5rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}',
  '.topic-index{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}',
  'input[type=checkbox],input[type=radio]{width:1.25rem;height:1.25rem;flex:none}',
  'button{font:inherit;font-weight:600;padding:.625rem 1.25rem;min-height:2.75rem;border:0;border-radius:4px;background:var(--accent);color:var(--bg);cursor:pointer}',
  '.hint{color:var(--muted);font-size:.9375rem;margin:.25rem 0 0}',
  '.notice{border-left:4px solid var(--accent);background:var(--code);padding:.5rem 1rem;margin:1rem 0}',
  '.errors{border-left:4px solid #d93025;background:var(--code);padding:.5rem 1rem;margin:1rem 0}',
  // Comments: threads indent a little per level; the honeypot field is off-screen for people.
  '.comment-list,.comment-replies{list-style:none;padding:0;margin:0}',
  '.comment-replies{margin-left:1rem;padding-left:.75rem;border-left:2px solid var(--line)}',
  '.comment{border-bottom:1px solid var(--line);padding:.5rem 0}',
  'textarea,input[type=text],input[type=url]{display:block;width:100%;font:inherit;padding:.5rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}',
  '.check{display:inline-flex;gap:.5rem;align-items:center;min-height:2.75rem}',
  '.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}',
].join('\n');

/** 'sha256-…' of PAGE_CSS: the only style the policy allows. */
export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS, 'utf8').digest('base64')}'`;

/**
 * The one script any page runs: it fills the time-zone fields of subscription forms marked
 * `data-guess-time-zone` with the browser's own zone (a select gains that option if it lacks it,
 * e.g. an alias such as Asia/Kolkata vs Asia/Calcutta; the server validates whatever arrives).
 * Without JavaScript the field keeps its default, UTC, and the reader can pick a zone.
 */
export const TIME_ZONE_GUESS_SCRIPT = [
  '(function () {',
  '  var zone;',
  '  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }',
  "  if (typeof zone !== 'string' || !/^[A-Za-z0-9_+\\/-]{1,64}$/.test(zone)) return;",
  "  document.querySelectorAll('[data-guess-time-zone]').forEach(function (field) {",
  "    if (field.tagName === 'SELECT' && !Array.prototype.some.call(field.options, function (o) { return o.value === zone; })) {",
  '      field.add(new Option(zone, zone));',
  '    }',
  '    field.value = zone;',
  '  });',
  '})();',
].join('\n');

export const TIME_ZONE_GUESS_SCRIPT_HASH = `'sha256-${createHash('sha256').update(TIME_ZONE_GUESS_SCRIPT, 'utf8').digest('base64')}'`;

/**
 * Filters the topic picker as the reader types: topics whose name does not contain the text are
 * hidden, groups with none left are hidden, the others open, and a live region says how many
 * match. The filter box is `hidden` in the markup, so without JavaScript readers see the grouped
 * list (and its <details>) and nothing that does not work.
 */
export const TOPIC_FILTER_SCRIPT = [
  '(function () {',
  "  var box = document.getElementById('topic-filter');",
  "  var status = document.getElementById('topic-filter-status');",
  '  if (!box || !status) return;',
  "  var input = box.querySelector('input');",
  '  box.hidden = false;',
  "  input.addEventListener('input', function () {",
  '    var q = input.value.trim().toLowerCase();',
  '    var shown = 0;',
  "    document.querySelectorAll('[data-topic]').forEach(function (item) {",
  "      item.hidden = q !== '' && item.getAttribute('data-topic').indexOf(q) === -1;",
  '      if (!item.hidden) shown += 1;',
  '    });',
  "    document.querySelectorAll('[data-topic-group]').forEach(function (group) {",
  "      group.hidden = !group.querySelector('[data-topic]:not([hidden])');",
  "      if (group.tagName === 'DETAILS') group.open = q !== '' || group.hasAttribute('data-open');",
  '    });',
  "    status.textContent = q === '' ? '' : shown === 0 ? 'No topic matches.' : shown + (shown === 1 ? ' topic matches.' : ' topics match.');",
  '  });',
  '})();',
].join('\n');

export const TOPIC_FILTER_SCRIPT_HASH = `'sha256-${createHash('sha256').update(TOPIC_FILTER_SCRIPT, 'utf8').digest('base64')}'`;

/**
 * Content-Security-Policy of every page. Nothing may load or run except our one stylesheet and
 * images (post bodies embed images from anywhere over http(s)). The JSON-LD block is a data block,
 * which script-src does not govern, so scripts can stay forbidden altogether: even markup that
 * slipped past escaping could not execute.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  'img-src https: http: data:',
  // 'self': /theme.css, the site's colours (see theme.ts).
  `style-src ${PAGE_STYLE_HASH} 'self'`,
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The policy of pages with a subscription form (home, subscribe, post and topic pages): the same,
 * plus exactly the time-zone and topic-filter scripts by their hashes. Injected markup still
 * cannot run: an inline script runs only if its text hashes to one of these.
 */
export const FORM_PAGE_CONTENT_SECURITY_POLICY = [
  PAGE_CONTENT_SECURITY_POLICY,
  `script-src ${TIME_ZONE_GUESS_SCRIPT_HASH} ${TOPIC_FILTER_SCRIPT_HASH}`,
].join('; ');

const FEED_TYPES: Readonly<Record<FeedLinkView['format'], string>> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};

export const FEED_FORMAT_NAMES: Readonly<Record<FeedLinkView['format'], string>> = {
  rss: 'RSS',
  atom: 'Atom',
  json: 'JSON Feed',
};

/** `<link rel="alternate">` for each feed: how browsers and feed readers discover them. */
export function feedDiscoveryLinks(feeds: FeedLinkView[]): string[] {
  return feeds.flatMap((feed) => {
    const url = httpUrl(feed.url);
    if (url === null) return [];
    return [`<link rel="alternate" type="${FEED_TYPES[feed.format]}" title="${attr(feed.title)}" href="${attr(url)}">`];
  });
}

export interface LayoutInput {
  site: SiteView;
  /** Plain text for `<title>`. */
  title: string;
  /** Plain text for the description meta. */
  description?: string;
  canonicalUrl?: string;
  /** Extra `<head>` markup, already escaped by the page renderer. */
  head?: string[];
  /** `<main>` content, already escaped by the page renderer. */
  main: string;
  noindex?: boolean;
  /** Add the time-zone guess script (the page must be served with FORM_PAGE_CONTENT_SECURITY_POLICY). */
  guessTimeZone?: boolean;
  /** Add the topic filter script (the same policy). */
  filterTopics?: boolean;
  /** The search box in the header; default true (the search page has its own form). */
  searchBox?: boolean;
}

/** A plain GET form to /search: works without JavaScript, and browsers recognise it as a search. */
function headerSearchForm(site: SiteView): string {
  const action = httpUrl(`${site.homeUrl}search`);
  if (action === null) return '';
  return (
    `<form role="search" action="${attr(action)}" method="get" class="search-row">` +
    '<label class="visually-hidden" for="site-search">Search posts</label>' +
    '<input type="search" id="site-search" name="q" placeholder="Search posts" enterkeyhint="search">' +
    '<button type="submit">Search</button>' +
    '</form>'
  );
}

/** The site's name (after its logo, when it has one), linking home. */
function siteHeaderLink(site: SiteView): string {
  const logo = httpUrl(site.logoUrl);
  if (logo === null) return link(site.homeUrl, site.title);
  const home = httpUrl(site.homeUrl);
  const inner = `<img src="${attr(logo)}" alt="" height="32">${text(site.title)}`;
  return home === null ? inner : `<a href="${attr(home)}">${inner}</a>`;
}

export function renderLayout(input: LayoutInput): string {
  const { site } = input;
  const canonical = httpUrl(input.canonicalUrl);
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(input.title)}</title>`,
    input.description ? `<meta name="description" content="${attr(input.description)}">` : '',
    canonical ? `<link rel="canonical" href="${attr(canonical)}">` : '',
    input.noindex ? '<meta name="robots" content="noindex">' : '',
    ...(input.head ?? []),
    // Browsers offer the site's search (the OpenSearch description) in their address bar.
    ...(httpUrl(openSearchUrl(site))
      ? [
          `<link rel="search" type="${OPENSEARCH_MEDIA_TYPE}" title="${attr(site.title)}" href="${attr(openSearchUrl(site))}">`,
        ]
      : []),
    // An empty icon: otherwise every browser asks for /favicon.ico and logs the 404.
    '<link rel="icon" href="data:,">',
    `<style>${PAGE_CSS}</style>`,
    site.themeUrl && /^\/[^/\\]/.test(site.themeUrl) ? `<link rel="stylesheet" href="${attr(site.themeUrl)}">` : '',
  ].filter((line) => line !== '');
  const footerFeeds = site.feeds.map((feed) => link(feed.url, FEED_FORMAT_NAMES[feed.format])).join(' · ');
  return [
    '<!DOCTYPE html>',
    `<html lang="${attr(site.language)}" dir="${site.dir === 'rtl' ? 'rtl' : 'ltr'}">`,
    '<head>',
    ...head,
    '</head>',
    '<body>',
    `<header class="site"><div class="wrap">${siteHeaderLink(site)}${input.searchBox === false ? '' : headerSearchForm(site)}</div></header>`,
    `<main class="wrap">`,
    input.main,
    '</main>',
    `<footer class="site"><div class="wrap"><p>Follow ${text(site.title)}: ${footerFeeds}</p></div></footer>`,
    ...(input.guessTimeZone ? [`<script>${TIME_ZONE_GUESS_SCRIPT}</script>`] : []),
    ...(input.filterTopics ? [`<script>${TOPIC_FILTER_SCRIPT}</script>`] : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
