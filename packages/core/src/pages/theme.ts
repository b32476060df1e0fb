import { createHash } from 'node:crypto';

/**
 * The site's colours as a tiny stylesheet (`/theme.css`), loaded after the inline base stylesheet.
 * A separate file rather than inline CSS: the pages' policy allows inline style only by hash, and
 * a per-site hash would have to travel into every route's Content-Security-Policy header. Its
 * URL carries a version derived from the colours, so it is cached for a year and a change of
 * colours is a new URL.
 */
export interface SiteTheme {
  /** `#rrggbb`, validated by the site settings (white text is readable on both). */
  brandColor: string;
  accentColor: string;
}

const HEX_COLOUR = /^#[0-9a-f]{6}$/i;

export function renderThemeCss(theme: SiteTheme): string {
  // Re-checked here: whatever reaches this file is CSS, so nothing but a hex colour may.
  const brand = HEX_COLOUR.test(theme.brandColor) ? theme.brandColor : '#1b1b1b';
  const accent = HEX_COLOUR.test(theme.accentColor) ? theme.accentColor : '#0b57d0';
  return [
    `:root{--accent:${accent};--brand:${brand}}`,
    // The accent is chosen to read on white; on the dark scheme the default light accent stays.
    '@media (prefers-color-scheme:dark){:root{--accent:#8ab4f8}}',
    'header.site{background:var(--brand);border-bottom:0}',
    'header.site a{color:#fff}',
    'header.site img{display:inline-block;height:2rem;width:auto;vertical-align:middle;margin-inline-end:.5rem}',
    '',
  ].join('\n');
}

/**
 * `/theme.css?v=…` as a path on this host (the policy allows it as 'self', whatever name the page
 * was reached by); the version changes exactly when the stylesheet does.
 */
export function themeUrl(publicBaseUrl: string, theme: SiteTheme): string {
  const version = createHash('sha256').update(renderThemeCss(theme)).digest('base64url').slice(0, 12);
  const prefix = new URL(`${publicBaseUrl}/`).pathname;
  return `${prefix}theme.css?v=${version}`;
}
