import { randomUUID } from 'node:crypto';

/** The mail that carries a sign-in link: plain words, the link, when it stops working, what to do if unexpected. */
export function composeSignInMail(input: {
  siteTitle: string;
  name: string;
  link: string;
  invited: boolean;
  expiresInMinutes: number;
}): { subject: string; text: string; html: string } {
  const escape = (s: string) =>
    s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  const subject = input.invited
    ? `You are invited to the ${input.siteTitle} console`
    : `Your sign-in link for the ${input.siteTitle} console`;
  const lead = input.invited
    ? `You now have a staff account on the ${input.siteTitle} console.`
    : `Someone (hopefully you) asked to sign in to the ${input.siteTitle} console.`;
  const after = `The link works once, for ${input.expiresInMinutes} minutes. If it has expired, ask for a new one on the sign-in page. If you did not expect this mail, you can ignore it.`;
  const text = [`Hello ${input.name},`, '', lead, '', 'Sign in:', input.link, '', after, ''].join('\n');
  const html = [
    `<p>Hello ${escape(input.name)},</p>`,
    `<p>${escape(lead)}</p>`,
    `<p><a href="${escape(input.link)}">Sign in to the console</a></p>`,
    `<p>${escape(after)}</p>`,
  ].join('\n');
  return { subject, text, html };
}

/** The link a sign-in mail carries; the token travels in the query (redacted from access logs). */
export function signInLinkUrl(consoleUrl: string, token: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/sign-in/link?token=${encodeURIComponent(token)}`;
}

/** The whole message for a mailer (the shape of @careerfeed/digests' MailMessage). */
export function buildSignInMailMessage(input: {
  consoleUrl: string;
  siteTitle: string;
  from: string;
  to: string;
  name: string;
  token: string;
  invited: boolean;
  now: Date;
  expiresInMinutes: number;
}): { from: string; to: string; subject: string; text: string; html: string; messageId: string; date: Date } {
  const link = signInLinkUrl(input.consoleUrl, input.token);
  const mail = composeSignInMail({
    siteTitle: input.siteTitle,
    name: input.name,
    link,
    invited: input.invited,
    expiresInMinutes: input.expiresInMinutes,
  });
  // A fresh id per mail: every link is a new message, never a resend of an old one.
  const host = URL.canParse(input.consoleUrl) ? new URL(input.consoleUrl).hostname : 'localhost';
  return {
    from: input.from,
    to: input.to,
    ...mail,
    messageId: `<staff-sign-in.${randomUUID()}@${host}>`,
    date: input.now,
  };
}
