import { attr, httpUrl, text } from '../pages/html';
import { cleanLine } from '../text';
import type { DigestSite } from './digest-model';
import { slot } from './mjml-template';

/**
 * The MJML skeleton every mail shares: a header with the site, one body block and a footer. MJML
 * turns it into table-based, responsive, inline-styled HTML once; what goes into the holes is HTML
 * with inline styles (below), because many mail clients drop `<style>` and classes.
 */

export const MAIL_SLOTS = ['TITLE', 'PREVIEW', 'BODY', 'FOOTER'] as const;
export type MailSlot = (typeof MAIL_SLOTS)[number];

export const FONT_STACK = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

const DEFAULT_ACCENT = '#0b57d0';
const HEX_COLOUR = /^#[0-9a-f]{6}$/i;

/** The colour when it is a `#rrggbb` (the site settings guarantee it; mails must never carry CSS injection). */
function colourOr(value: string | undefined, fallback: string): string {
  return value !== undefined && HEX_COLOUR.test(value) ? value : fallback;
}

/** Inline styles of the fragments that fill the holes, in the site's accent colour. */
export function mailStyles(accentColor?: string) {
  const accent = colourOr(accentColor, DEFAULT_ACCENT);
  return {
    link: `color:${accent};text-decoration:underline;`,
    heading: 'margin:0 0 16px;font-size:22px;line-height:1.3;font-weight:700;',
    post: 'margin:0 0 24px;padding:0 0 16px;border-bottom:1px solid #d9d9d9;',
    postTitle: 'margin:0 0 4px;font-size:19px;line-height:1.3;font-weight:700;',
    postTitleLink: `color:${accent};text-decoration:none;`,
    meta: 'margin:0 0 8px;color:#595959;font-size:14px;',
    image: 'display:block;width:100%;max-width:552px;height:auto;margin:0 0 12px;border:0;border-radius:4px;',
    paragraph: 'margin:0 0 12px;',
    relatedHeading: 'margin:12px 0 4px;font-size:14px;font-weight:700;',
    relatedList: 'margin:0;padding:0 0 0 20px;font-size:14px;',
    moreLikeThis: 'margin:8px 0 16px;padding:12px 16px;background:#f4f4f4;border-radius:4px;',
    moreLikeThisHeading: 'margin:0 0 8px;font-size:16px;font-weight:700;',
    button: `display:inline-block;padding:12px 24px;background:${accent};color:#ffffff;border-radius:4px;text-decoration:none;font-weight:700;`,
    footerParagraph: 'margin:0 0 8px;',
  } as const;
}

/** The default look (confirmation mails of sites without settings, tests). */
export const STYLE = mailStyles();

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

/** The site language when it looks like a BCP 47 tag, else `en`. */
export function mailLanguage(site: DigestSite): string {
  return site.language !== undefined && LANGUAGE_TAG.test(site.language) ? site.language : 'en';
}

/** `<a>` with an inline style to an http(s) URL; any other URL leaves just the escaped label. */
export function mailLink(url: string | null | undefined, label: string, style: string = STYLE.link): string {
  const safe = httpUrl(url);
  return safe === null ? text(label) : `<a href="${attr(safe)}" style="${style}">${text(label)}</a>`;
}

/** The postal address as HTML lines (escaped), for the footer. */
function postalAddressHtml(site: DigestSite): string {
  const lines = (site.postalAddress ?? '')
    .split(/\r?\n/)
    .map((line) => cleanLine(line))
    .filter((line) => line !== '');
  return lines.length === 0 ? '' : `<p style="margin:8px 0 0;">${lines.map((line) => text(line)).join('<br>')}</p>`;
}

/**
 * The header: the site's name (and logo when set) on a band of its brand colour, white text. The
 * settings validate that white text is readable on the brand colour.
 */
function headerHtml(site: DigestSite, title: string): string {
  const logo = httpUrl(site.logoUrl);
  const style = 'color:#ffffff;text-decoration:none;';
  const logoImg = logo
    ? `<img src="${attr(logo)}" alt="" height="40" style="display:block;height:40px;width:auto;max-width:240px;border:0;margin:0 0 8px;">`
    : '';
  const home = httpUrl(site.url);
  const name = home === null ? text(title) : `<a href="${attr(home)}" style="${style}">${text(title)}</a>`;
  return `${logoImg}${name}`;
}

export function mailLayoutSource(site: DigestSite): string {
  const title = cleanLine(site.title);
  const brand = colourOr(site.brandColor, '#1b1b1b');
  const dir = site.dir === 'rtl' ? 'rtl' : 'ltr';
  return `<mjml lang="${attr(mailLanguage(site))}" dir="${dir}">
  <mj-head>
    <mj-title>${slot('TITLE')}</mj-title>
    <mj-preview>${slot('PREVIEW')}</mj-preview>
    <mj-attributes>
      <mj-all font-family="${FONT_STACK}" />
      <mj-text font-size="16px" line-height="1.5" color="#1b1b1b" padding="0 24px" align="${dir === 'rtl' ? 'right' : 'left'}" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f4f4" width="600px">
    <mj-section background-color="${brand}" padding="20px 0 16px">
      <mj-column>
        <mj-text font-size="18px" font-weight="700" color="#ffffff">${headerHtml(site, title)}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="16px 0 8px">
      <mj-column>
        <mj-text>${slot('BODY')}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="16px 0 24px">
      <mj-column>
        <mj-text font-size="13px" color="#595959">${slot('FOOTER')}${postalAddressHtml(site)}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

/** The postal address as text-part lines (empty when none is set). */
export function postalAddressLines(site: DigestSite): string[] {
  return (site.postalAddress ?? '')
    .split(/\r?\n/)
    .map((line) => cleanLine(line))
    .filter((line) => line !== '');
}
