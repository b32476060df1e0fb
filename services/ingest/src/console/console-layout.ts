import { createHash } from 'node:crypto';
import { PAGE_CSS, attr, text } from '@careerfeed/core';

/**
 * The console's stylesheet: the public pages' own (PAGE_CSS: same type, colours, form fields) plus
 * what an application needs — a wider measure, a navigation bar, tables that stay inside a phone's
 * 375 px (they scroll within themselves), buttons of the secondary and dangerous kinds. Inline and
 * allowed by its hash, as on the public pages.
 */
export const CONSOLE_CSS = [
  PAGE_CSS,
  '.wrap{max-width:72rem}',
  '.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:var(--bg);padding:.5rem;z-index:2}',
  'header.console{border-bottom:1px solid var(--line);padding:.5rem 0}',
  'header.console .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}',
  'header.console .brand{font-weight:700;text-decoration:none;color:var(--fg);margin-right:auto}',
  'nav.console ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}',
  'nav.console a{display:inline-block;padding:.5rem .75rem;min-height:2.75rem;text-decoration:none;border-radius:4px}',
  'nav.console a[aria-current=page]{background:var(--code);font-weight:700;color:var(--fg)}',
  '.who{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;color:var(--muted);font-size:.9375rem}',
  'form.inline{display:inline}',
  'button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}',
  'button.danger{background:#b3261e;color:#fff}',
  'button.link{background:none;color:var(--accent);padding:.25rem;min-height:0;font-weight:400;text-decoration:underline}',
  '.table{overflow-x:auto;margin:0 0 1rem}',
  '.table table{display:table;width:100%}',
  '.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem;margin:1rem 0}',
  '.card{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}',
  '.card h2{font-size:1rem;margin:0 0 .5rem}',
  '.figure{font-size:1.75rem;font-weight:700;margin:0}',
  '.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;border:1px solid var(--line);font-size:.875rem}',
  '.badge.warn{border-color:#b3261e;color:#b3261e}',
  'input[type=text],input[type=search],input[type=url],input[type=datetime-local],input[type=number],input[type=file],textarea{display:block;width:100%;font:inherit;padding:.5rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}',
  'textarea{min-height:16rem}',
  '.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}',
  '.row>.field{flex:1 1 12rem}',
  '.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}',
  'pre.wrap-text{white-space:pre-wrap;overflow-wrap:anywhere}',
  '.empty{color:var(--muted);border:1px dashed var(--line);border-radius:6px;padding:1rem}',
  'ul.tabs{list-style:none;margin:0 0 1rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem;border-bottom:1px solid var(--line)}',
  'ul.tabs a{display:inline-block;padding:.5rem .75rem;min-height:2.75rem;text-decoration:none}',
  'ul.tabs a[aria-current=page]{font-weight:700;border-bottom:3px solid var(--accent)}',
  '.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
  '.comment-body{max-width:40rem;overflow-wrap:anywhere}',
  'progress{width:100%;height:1.25rem}',
].join('\n');

export const CONSOLE_STYLE_HASH = `'sha256-${createHash('sha256').update(CONSOLE_CSS, 'utf8').digest('base64')}'`;

/**
 * Console pages may run scripts served by this service only ('self': no CDN, no inline script),
 * load their stylesheet by hash or from /console/assets, and show images from anywhere over
 * http(s) (post bodies) or uploaded ones.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${CONSOLE_STYLE_HASH}`,
  "img-src 'self' https: http: data: blob:",
  "connect-src 'self'",
  // Post previews frame the post page and the digest, served by the console itself.
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** One entry of the navigation bar. */
export interface ConsoleNavItem {
  href: string;
  label: string;
  current: boolean;
}

export interface ConsoleLayoutInput {
  siteTitle: string;
  /** Plain text for `<title>` and the `<h1>` unless the page writes its own. */
  title: string;
  /** `<main>` content, already escaped. */
  main: string;
  nav: ConsoleNavItem[];
  /** Signed-in staff; absent on the sign-in pages. */
  staff?: { name: string; email: string; role: string };
  csrfToken?: string;
  /** A one-time message from the previous action ("Post saved"). */
  notice?: string;
  /** Extra `<head>` markup (stylesheets from /console/assets), already escaped. */
  head?: string[];
  /** Scripts from /console/assets to load (paths). */
  scripts?: string[];
}

export function renderConsoleLayout(input: ConsoleLayoutInput): string {
  const nav = input.nav.length
    ? `<nav class="console" aria-label="Console"><ul>${input.nav
        .map(
          (item) =>
            `<li><a href="${attr(item.href)}"${item.current ? ' aria-current="page"' : ''}>${text(item.label)}</a></li>`,
        )
        .join('')}</ul></nav>`
    : '';
  const who =
    input.staff && input.csrfToken
      ? `<div class="who"><span>${text(input.staff.name)} (${text(input.staff.role)})</span>` +
        `<form class="inline" method="post" action="/console/sign-out"><input type="hidden" name="csrf_token" value="${attr(input.csrfToken)}"><button class="link" type="submit">Sign out</button></form></div>`
      : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${text(input.title)} · ${text(input.siteTitle)} console</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${CONSOLE_CSS}</style>`,
    ...(input.head ?? []),
    '</head>',
    '<body>',
    '<a class="skip" href="#main">Skip to content</a>',
    `<header class="console"><div class="wrap"><a class="brand" href="/console/">${text(input.siteTitle)} · Console</a>${nav}${who}</div></header>`,
    '<main id="main" class="wrap">',
    input.notice ? `<p class="notice" role="status">${text(input.notice)}</p>` : '',
    input.main,
    '</main>',
    ...(input.scripts ?? []).map((src) => `<script src="${attr(src)}" defer></script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
