import { displayDate, escapeHtml as text, httpUrl } from '@careerfeed/core';
import type { FieldError } from '@careerfeed/core';
import { type CommentThread, countThreads } from './comment-model';
import { BODY_MAX_LENGTH, HONEYPOT_FIELD, NAME_MAX_LENGTH, URL_MAX_LENGTH } from './comment-input';

/**
 * The "Comments" section of a post page: the approved threads and the "Leave a reply" form. The
 * form is plain HTML (works without JavaScript): it posts to /posts/{slug}/comments and the answer
 * redirects back here with a notice. Every value is escaped; comment bodies were sanitized when stored.
 */

export interface CommentFormValues {
  name?: string;
  email?: string;
  url?: string;
  body?: string;
  parentId?: string;
  notifyReplies?: boolean;
}

export interface CommentsSectionView {
  /** The post's slug: the form's action. */
  slug: string;
  language: string;
  threads: CommentThread[];
  /** The signed timestamp of this rendering of the form. */
  formToken: string;
  /** The per-post comment feed. */
  feedUrl: string;
  /** After a redirect: what happened to the comment just sent. */
  notice?: 'held' | 'published' | undefined;
  /** A refused form, shown again with what was typed. */
  errors?: FieldError[] | undefined;
  values?: CommentFormValues | undefined;
}

const attr = text;

function commentDate(iso: string, language: string): string {
  return `<time datetime="${attr(iso)}">${text(displayDate(iso, language))}</time>`;
}

function authorLabel(name: string, url: string | null): string {
  const safe = httpUrl(url);
  return safe ? `<a href="${attr(safe)}" rel="nofollow ugc external">${text(name)}</a>` : text(name);
}

function renderThread(thread: CommentThread, language: string): string {
  const c = thread.comment;
  const replies =
    thread.replies.length > 0
      ? `<ol class="comment-replies">\n${thread.replies.map((r) => renderThread(r, language)).join('\n')}\n</ol>`
      : '';
  return [
    `<li id="comment-${attr(c.id)}">`,
    `<article class="comment" aria-labelledby="comment-${attr(c.id)}-by">`,
    `<p class="meta" id="comment-${attr(c.id)}-by"><strong>${authorLabel(c.authorName, c.authorUrl)}</strong> · ` +
      `<a href="#comment-${attr(c.id)}">${commentDate(c.createdAt, language)}</a></p>`,
    `<div class="comment-body">${c.bodyHtml}</div>`,
    `<p class="meta"><a href="?replyto=${attr(c.id)}#respond">Reply to ${text(c.authorName)}</a></p>`,
    '</article>',
    replies,
    '</li>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const NOTICES = {
  held: 'Thank you: your comment is awaiting moderation and will appear once approved.',
  published: 'Thank you: your comment is published.',
} as const;

function field(id: string, label: string, input: string, hint?: string): string {
  return [
    '<div class="field">',
    `<label for="${id}">${text(label)}</label>`,
    input,
    hint ? `<p class="hint" id="${id}-hint">${text(hint)}</p>` : '',
    '</div>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function renderForm(view: CommentsSectionView, replyTo: CommentThread['comment'] | undefined): string {
  const v = view.values ?? {};
  const errors =
    view.errors && view.errors.length > 0
      ? [
          '<div class="errors" role="alert">',
          '<p>Your comment was not sent. Please correct:</p>',
          `<ul>${view.errors.map((e) => `<li>${text(e.path ? `${e.path}: ${e.message}` : e.message)}</li>`).join('')}</ul>`,
          '</div>',
        ].join('\n')
      : '';
  return [
    `<section id="respond" aria-labelledby="respond-heading">`,
    `<h2 id="respond-heading">${replyTo ? `Reply to ${text(replyTo.authorName)}` : 'Leave a reply'}</h2>`,
    '<p class="hint">Your email address will not be published. Comments are moderated; allowed markup: ' +
      '<code>&lt;a href&gt; &lt;b&gt; &lt;i&gt; &lt;em&gt; &lt;strong&gt; &lt;code&gt; &lt;blockquote&gt; &lt;q&gt; &lt;cite&gt; &lt;abbr&gt; &lt;del&gt;</code>.</p>',
    errors,
    `<form method="post" action="/posts/${attr(encodeURIComponent(view.slug))}/comments" class="comment-form">`,
    field(
      'comment-body',
      'Comment',
      `<textarea id="comment-body" name="body" rows="6" required maxlength="${BODY_MAX_LENGTH}">${text(v.body ?? '')}</textarea>`,
    ),
    field(
      'comment-name',
      'Name',
      `<input id="comment-name" type="text" name="name" required maxlength="${NAME_MAX_LENGTH}" autocomplete="name" value="${attr(v.name ?? '')}">`,
    ),
    field(
      'comment-email',
      'Email (not published)',
      `<input id="comment-email" type="email" name="email" required maxlength="254" autocomplete="email" inputmode="email" value="${attr(v.email ?? '')}" aria-describedby="comment-email-hint">`,
      'Used only to tell you about replies if you ask below.',
    ),
    field(
      'comment-url',
      'Website (optional)',
      `<input id="comment-url" type="url" name="url" maxlength="${URL_MAX_LENGTH}" autocomplete="url" inputmode="url" value="${attr(v.url ?? '')}">`,
    ),
    // The honeypot: off-screen and out of the accessibility tree; people never fill it, scripts do.
    `<div class="hp" aria-hidden="true"><label for="comment-${HONEYPOT_FIELD}">Leave this empty</label>` +
      `<input id="comment-${HONEYPOT_FIELD}" type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></div>`,
    `<div class="field"><label class="check"><input type="checkbox" name="notify_replies" value="on"${v.notifyReplies ? ' checked' : ''}> ` +
      'Email me when someone replies to my comment (we send a link to confirm first)</label></div>',
    replyTo ? `<input type="hidden" name="parent_id" value="${attr(replyTo.id)}">` : '',
    `<input type="hidden" name="form_token" value="${attr(view.formToken)}">`,
    `<p><button type="submit">Post comment</button>${replyTo ? ' <a href="#respond">Cancel reply</a>' : ''}</p>`,
    '</form>',
    '</section>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function findComment(threads: CommentThread[], id: string | undefined): CommentThread['comment'] | undefined {
  if (id === undefined) return undefined;
  for (const t of threads) {
    if (t.comment.id === id) return t.comment;
    const inner = findComment(t.replies, id);
    if (inner) return inner;
  }
  return undefined;
}

export function renderCommentsSection(view: CommentsSectionView): string {
  const count = countThreads(view.threads);
  const heading = count === 0 ? 'Comments' : `${count} ${count === 1 ? 'comment' : 'comments'}`;
  const replyTo = findComment(view.threads, view.values?.parentId);
  return [
    '<section id="comments" class="comments" aria-labelledby="comments-heading">',
    `<h2 id="comments-heading">${heading}</h2>`,
    view.notice ? `<p class="notice" role="status" id="comment-notice">${text(NOTICES[view.notice])}</p>` : '',
    count === 0
      ? '<p>No comments yet. Start the conversation below.</p>'
      : `<ol class="comment-list">\n${view.threads.map((t) => renderThread(t, view.language)).join('\n')}\n</ol>`,
    `<p class="meta"><a href="${attr(view.feedUrl)}">Comments feed (RSS)</a></p>`,
    renderForm(view, replyTo),
    '</section>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
