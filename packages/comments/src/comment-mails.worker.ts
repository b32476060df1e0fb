import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { mailDomainOf } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import { COMMENT_MAILS_QUEUE, type CommentMailJob, commentMailJobSchema } from '@careerfeed/jobs';
import { type Mailer, createMailJobsWorker, sendOrBounce, unsubscribeHeaders } from '@careerfeed/digests';
import { postUrl, readSite } from '@careerfeed/posts';
import { renderConfirmRepliesMail, renderNewCommentMail, renderReplyMail } from './comment-mails';
import { replyNotificationUrls } from './reply-links';
import * as repo from './comments.repository';

export interface CommentMailsDeps {
  db: Db;
  mailer: Mailer;
  mailFrom: string;
  publicBaseUrl: string;
  /** The comment token key (settings `comment-token-key`). */
  tokenKey: () => Promise<Buffer>;
  /** COMMENTS_NOTIFY_EMAIL; `new-comment` jobs are moot without it. */
  notifyEmail: string | undefined;
  logger: Logger;
}

export type CommentMailOutcome = 'sent' | 'moot';

/**
 * Sends the mail a comment job asks for, if it is still wanted: a confirmation only while the
 * commenter's notifications are pending; a reply mail only while the reply is approved and its
 * parent's author has confirmed (and is not the replier); a new-comment mail unless it became spam.
 * The Message-ID (per kind and comment) and Date come from the job, so a retry is the same mail;
 * the job id makes a second job for the same comment and kind a no-op.
 */
export async function sendCommentMail(
  deps: CommentMailsDeps,
  job: CommentMailJob,
  createdAt: Date,
): Promise<CommentMailOutcome> {
  const db = deps.db.kysely;
  const comment = await repo.findCommentById(db, job.commentId);
  if (!comment) return 'moot';
  const post = await repo.findPostById(db, comment.post_id);
  if (!post) return 'moot';
  const site = await readSite(db);
  const key = await deps.tokenKey();
  const url = postUrl(deps.publicBaseUrl, post.slug);
  let to: string;
  let mail: { subject: string; text: string; html: string };
  let headers: Record<string, string> = {};
  switch (job.kind) {
    case 'confirm-replies': {
      if (comment.reply_notifications !== 'pending') return 'moot';
      to = comment.author_email;
      const { confirmUrl } = replyNotificationUrls(deps.publicBaseUrl, key, comment.id);
      mail = renderConfirmRepliesMail({ siteTitle: site.title, postTitle: post.title, postUrl: url, confirmUrl });
      break;
    }
    case 'reply': {
      if (comment.status !== 'approved' || comment.parent_id === null) return 'moot';
      const parent = await repo.findCommentById(db, comment.parent_id);
      if (!parent || parent.reply_notifications !== 'confirmed') return 'moot';
      if (parent.author_email_key === comment.author_email_key) return 'moot';
      to = parent.author_email;
      const { unsubscribeUrl } = replyNotificationUrls(deps.publicBaseUrl, key, parent.id);
      mail = renderReplyMail({
        siteTitle: site.title,
        postTitle: post.title,
        replyUrl: `${url}#comment-${comment.id}`,
        replyAuthor: comment.author_name,
        replyHtml: comment.body_html,
        unsubscribeUrl,
      });
      headers = unsubscribeHeaders(unsubscribeUrl);
      break;
    }
    case 'new-comment': {
      if (deps.notifyEmail === undefined || comment.status === 'spam' || comment.status === 'trash') return 'moot';
      to = deps.notifyEmail;
      mail = renderNewCommentMail({
        siteTitle: site.title,
        postTitle: post.title,
        postUrl: url,
        commentUrl: `${url}#comment-${comment.id}`,
        authorName: comment.author_name,
        authorEmail: comment.author_email,
        authorUrl: comment.author_url,
        bodyHtml: comment.body_html,
        published: comment.status === 'approved',
      });
      break;
    }
  }
  await sendOrBounce(deps.mailer, {
    from: deps.mailFrom,
    to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<comment-${job.kind}.${comment.id}@${mailDomainOf(deps.mailFrom)}>`,
    date: createdAt,
    headers,
  });
  return 'sent';
}

export function createCommentMailsWorker(
  deps: CommentMailsDeps & { connection: Redis; prefix: string; mailRatePerSecond: number },
): Worker {
  return createMailJobsWorker({
    queue: COMMENT_MAILS_QUEUE,
    what: 'comment mail',
    schema: commentMailJobSchema,
    handle: (data, createdAt) => sendCommentMail(deps, data, createdAt),
    connection: deps.connection,
    prefix: deps.prefix,
    mailRatePerSecond: deps.mailRatePerSecond,
    logger: deps.logger,
  });
}
