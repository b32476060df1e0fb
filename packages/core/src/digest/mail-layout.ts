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

/** Inline styles of the fragments that fill the holes. */
export const STYLE = {
  link: 'color:#0b57d0;text-decoration:underline;',
  heading: 'margin:0 0 16px;font-size:22px;line-height:1.3;font-weight:700;',
  post: 'margin:0 0 24px;padding:0 0 16px;border-bottom:1px solid #d9d9d9;',
  postTitle: 'margin:0 0 4px;font-size:19px;line-height:1.3;font-weight:700;',
  postTitleLink: 'color:#0b57d0;text-decoration:none;',
  meta: 'margin:0 0 8px;color:#595959;font-size:14px;',
  paragraph: 'margin:0 0 12px;',
  relatedHeading: 'margin:12px 0 4px;font-size:14px;font-weight:700;',
  relatedList: 'margin:0;padding:0 0 0 20px;font-size:14px;',
  button:
    'display:inline-block;padding:12px 24px;background:#0b57d0;color:#ffffff;border-radius:4px;text-decoration:none;font-weight:700;',
  footerParagraph: 'margin:0 0 8px;',
} as const;

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

export function mailLayoutSource(site: DigestSite): string {
  const title = cleanLine(site.title);
  return `<mjml lang="${attr(mailLanguage(site))}">
  <mj-head>
    <mj-title>${slot('TITLE')}</mj-title>
    <mj-preview>${slot('PREVIEW')}</mj-preview>
    <mj-attributes>
      <mj-all font-family="${FONT_STACK}" />
      <mj-text font-size="16px" line-height="1.5" color="#1b1b1b" padding="0 24px" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f4f4" width="600px">
    <mj-section background-color="#ffffff" padding="20px 0 8px">
      <mj-column>
        <mj-text font-size="18px" font-weight="700">${mailLink(site.url, title, 'color:#1b1b1b;text-decoration:none;')}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="16px 0 8px">
      <mj-column>
        <mj-text>${slot('BODY')}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="16px 0 24px">
      <mj-column>
        <mj-text font-size="13px" color="#595959">${slot('FOOTER')}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}
