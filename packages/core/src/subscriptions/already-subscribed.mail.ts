import { attr, httpUrl, text } from '../pages/html';
import { cleanLine } from '../text';

export interface AlreadySubscribedMailInput {
  email: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
}

/**
 * The answer to a subscription request for an address that is already subscribed: its
 * preferences and unsubscribe links, sent to the address itself (the person on the form sees
 * the same page either way). Short and rare, so plain markup rather than the digest layout.
 */
export function renderAlreadySubscribedMail(
  site: { title: string },
  input: AlreadySubscribedMailInput,
): { subject: string; html: string; text: string } {
  const preferences = httpUrl(input.preferencesUrl);
  const unsubscribe = httpUrl(input.unsubscribeUrl);
  if (preferences === null || unsubscribe === null) throw new RangeError('links must be absolute http(s) URLs');
  const siteTitle = cleanLine(site.title);
  const email = cleanLine(input.email);
  const subject = `You are already subscribed to ${siteTitle}`.replace(/[\r\n]+/g, ' ');
  const intro = `Someone, hopefully you, asked to subscribe ${email} to ${siteTitle}. This address is already subscribed, so nothing changed.`;
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#1f2933;max-width:600px;margin:0 auto;padding:16px">',
    `<p>${text(intro)}</p>`,
    `<p><a href="${attr(preferences)}">Change your preferences</a> (frequency, topics, time zone) or <a href="${attr(unsubscribe)}">unsubscribe</a>.</p>`,
    '<p style="color:#52606d;font-size:13px">If you did not ask for this, you can ignore this mail.</p>',
    '</body></html>',
  ].join('');
  const plain = [
    intro,
    '',
    `Change your preferences: ${preferences}`,
    `Unsubscribe: ${unsubscribe}`,
    '',
    'If you did not ask for this, you can ignore this mail.',
    '',
  ].join('\n');
  return { subject, html, text: plain };
}
