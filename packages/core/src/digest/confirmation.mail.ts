import { attr, httpUrl, text } from '../pages/html';
import { cleanLine } from '../text';
import type { DigestMail, DigestSite } from './digest-model';
import { MAIL_SLOTS, mailLayoutSource, mailStyles, postalAddressLines } from './mail-layout';
import { sanitizeHeaderText, wrapText } from './mail-text';
import { compileMjmlTemplate } from './mjml-template';

export interface ConfirmationMailInput {
  email: string;
  /** Absolute http(s) URL carrying the signed confirmation token. */
  confirmUrl: string;
  expiresInHours: number;
}

/**
 * The double opt-in mail. Rare (one per subscription request), so it compiles its layout each
 * time rather than keeping one around.
 */
export async function renderConfirmationMail(site: DigestSite, input: ConfirmationMailInput): Promise<DigestMail> {
  const confirmUrl = httpUrl(input.confirmUrl);
  // Without a working link the mail is useless; this is a programming error, not bad user input.
  if (confirmUrl === null) throw new RangeError('confirmUrl must be an absolute http(s) URL');
  const template = await compileMjmlTemplate(mailLayoutSource(site), MAIL_SLOTS);
  const siteTitle = cleanLine(site.title);
  const STYLE = mailStyles(site.accentColor);
  const email = cleanLine(input.email);
  const hours = `${input.expiresInHours} ${input.expiresInHours === 1 ? 'hour' : 'hours'}`;
  const subject = sanitizeHeaderText(`Confirm your subscription to ${siteTitle}`);
  const ask = `Someone, hopefully you, asked to receive ${siteTitle} by email at ${email}.`;
  const expiry = `The link expires in ${hours}.`;
  const ignore = 'If you did not ask for this, ignore this mail: without your confirmation we will not write again.';

  const html = template.fill({
    TITLE: text(subject),
    PREVIEW: text(`Confirm your subscription to ${siteTitle}`),
    BODY: [
      `<h1 style="${STYLE.heading}">${text(`Confirm your subscription`)}</h1>`,
      `<p style="${STYLE.paragraph}">${text(ask)}</p>`,
      `<p style="${STYLE.paragraph}"><a href="${attr(confirmUrl)}" style="${STYLE.button}">Confirm subscription</a></p>`,
      `<p style="${STYLE.paragraph}">${text(expiry)} If the button does not work, open this address: <a href="${attr(confirmUrl)}" style="${STYLE.link}">${text(confirmUrl)}</a></p>`,
    ].join(''),
    FOOTER: `<p style="${STYLE.footerParagraph}">${text(ignore)}</p>`,
  });
  const body = [
    wrapText(`Confirm your subscription to ${siteTitle}`),
    wrapText(ask),
    `To confirm, open this link; it expires in ${hours}:
${confirmUrl}`,
    [`--`, wrapText(ignore), ...(postalAddressLines(site).length > 0 ? ['', ...postalAddressLines(site)] : [])].join(
      '\n',
    ),
  ];
  return { subject, html, text: `${body.join('\n\n')}\n` };
}
