import { escapeHtml as text, htmlToPlainText, sanitizeHeaderText, wrapText } from '@careerfeed/core';

/**
 * The three comment mails, as plain text with a simple HTML alternative. Names and bodies are
 * readers' input: subjects pass through sanitizeHeaderText (no CR/LF reaches a header, though the
 * schema refuses them already), HTML escapes everything but the stored, sanitized comment body.
 */

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

function html(paragraphs: string[]): string {
  return `<!DOCTYPE html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem">${paragraphs.join('')}</body></html>`;
}

function linkParagraph(url: string, label: string): string {
  return `<p><a href="${text(url)}">${text(label)}</a></p>`;
}

export function renderConfirmRepliesMail(input: {
  siteTitle: string;
  postTitle: string;
  postUrl: string;
  confirmUrl: string;
}): RenderedMail {
  const subject = sanitizeHeaderText(`Confirm reply notifications: ${input.postTitle}`);
  const ask = `You commented on "${input.postTitle}" (${input.siteTitle}) and asked to be told about replies.`;
  const ignore = 'If that was not you, ignore this mail: without your confirmation we will not write again.';
  return {
    subject,
    text:
      [wrapText(ask), `To confirm, open this link:\n${input.confirmUrl}`, `--\n${wrapText(ignore)}`].join('\n\n') +
      '\n',
    html: html([
      `<p>${text(ask)}</p>`,
      linkParagraph(input.confirmUrl, 'Confirm reply notifications'),
      `<p>${text(ignore)}</p>`,
    ]),
  };
}

export function renderReplyMail(input: {
  siteTitle: string;
  postTitle: string;
  replyUrl: string;
  replyAuthor: string;
  replyHtml: string;
  unsubscribeUrl: string;
}): RenderedMail {
  const subject = sanitizeHeaderText(`${input.replyAuthor} replied to your comment on ${input.postTitle}`);
  const intro = `${input.replyAuthor} replied to your comment on "${input.postTitle}":`;
  const stop = 'You get this mail because you asked to be told about replies to your comment.';
  return {
    subject,
    text:
      [
        wrapText(intro),
        htmlToPlainText(input.replyHtml),
        `Read the conversation:\n${input.replyUrl}`,
        `--\n${wrapText(stop)} Stop these mails:\n${input.unsubscribeUrl}`,
      ].join('\n\n') + '\n',
    html: html([
      `<p>${text(intro)}</p>`,
      `<blockquote>${input.replyHtml}</blockquote>`,
      linkParagraph(input.replyUrl, 'Read the conversation'),
      `<p style="color:#595959">${text(stop)} <a href="${text(input.unsubscribeUrl)}">Stop these mails</a></p>`,
    ]),
  };
}

export function renderNewCommentMail(input: {
  siteTitle: string;
  postTitle: string;
  postUrl: string;
  commentUrl: string;
  authorName: string;
  authorEmail: string;
  authorUrl: string | null;
  bodyHtml: string;
  published: boolean;
}): RenderedMail {
  const state = input.published ? 'published' : 'awaiting moderation';
  const subject = sanitizeHeaderText(`New comment on ${input.postTitle} (${state})`);
  const who = `${input.authorName} <${input.authorEmail}>${input.authorUrl ? ` · ${input.authorUrl}` : ''}`;
  const how = input.published
    ? 'The address had an approved comment already, so it is published.'
    : 'It is held until someone approves it (PATCH /v1/comments/{id} on the ingest API, or the staff console).';
  return {
    subject,
    text:
      [
        wrapText(`A new comment on "${input.postTitle}" is ${state}.`),
        `From: ${who}`,
        htmlToPlainText(input.bodyHtml),
        wrapText(how),
        input.published ? `See it:\n${input.commentUrl}` : `The post:\n${input.postUrl}`,
      ].join('\n\n') + '\n',
    html: html([
      `<p>${text(`A new comment on "${input.postTitle}" is ${state}.`)}</p>`,
      `<p>From: ${text(who)}</p>`,
      `<blockquote>${input.bodyHtml}</blockquote>`,
      `<p>${text(how)}</p>`,
      linkParagraph(input.published ? input.commentUrl : input.postUrl, input.published ? 'See it' : 'The post'),
    ]),
  };
}
