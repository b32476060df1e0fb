import express, { type Response } from 'express';
import { AppError, attr, httpUrl, text } from '@careerfeed/core';
import {
  COMMENT_STATUSES,
  type CommentStatus,
  type CommentsDeps,
  type ModerationComment,
  cachedCommentTokenKey,
  deleteComment,
  getComment,
  listComments,
  setCommentStatus,
} from '@careerfeed/comments';
import { recordAudit } from '@careerfeed/staff';
import {
  type ConsoleDeps,
  type ConsoleSection,
  consoleOf,
  csrfField,
  sendConsolePage,
  setNotice,
} from '../console-context';
import { confirmPage, field, hidden, postForm, when } from '../page-parts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How many comments one page shows, and how many one "approve selected" may carry. */
const PAGE_SIZE = 50;
const BULK_MAX = 200;

const TAB_LABELS: Record<CommentStatus, string> = {
  pending: 'Pending',
  approved: 'Approved',
  spam: 'Spam',
  trash: 'Trash',
};

/** What each action button says, and the verb of its notice and audit entry. */
const ACTIONS: { status: CommentStatus; label: string; done: string; audit: string }[] = [
  { status: 'approved', label: 'Approve', done: 'approved', audit: 'comment.approved' },
  { status: 'pending', label: 'Hold', done: 'held for moderation', audit: 'comment.held' },
  { status: 'spam', label: 'Spam', done: 'marked as spam', audit: 'comment.marked_spam' },
  { status: 'trash', label: 'Trash', done: 'moved to the trash', audit: 'comment.trashed' },
];

const EMPTY: Record<CommentStatus, string> = {
  pending: 'No comment is waiting for moderation. New comments from first-time commenters appear here.',
  approved: 'No approved comment yet. Approve a pending comment and it shows on its post.',
  spam: 'No spam. Comments caught by the spam checks (too fast, hidden field, many links) land here.',
  trash: 'The trash is empty.',
};

function statusOf(value: unknown): CommentStatus {
  return COMMENT_STATUSES.find((s) => s === value) ?? 'pending';
}

function idParam(value: string | undefined): string {
  if (!value || !UUID.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No comment has that id' });
  return value;
}

function listHref(status: CommentStatus): string {
  return `/console/comments?status=${status}`;
}

function commentRow(res: Response, c: ModerationComment, tab: CommentStatus): string {
  const site = httpUrl(c.authorUrl ?? undefined);
  const actions = ACTIONS.filter((a) => a.status !== c.status)
    .map((a) =>
      postForm(res, `/console/comments/${c.id}/status`, hidden('status', a.status) + hidden('back', tab), a.label, {
        inline: true,
        buttonClass: a.status === 'approved' ? undefined : 'secondary',
      }),
    )
    .join(' ');
  return [
    '<tr>',
    c.status === 'approved'
      ? '<td></td>'
      : `<td><input type="checkbox" name="ids" value="${attr(c.id)}" form="bulk-approve" id="select-${attr(c.id)}" aria-label="Select the comment by ${attr(c.authorName)}"></td>`,
    `<td><strong>${text(c.authorName)}</strong><br><a href="mailto:${attr(c.authorEmail)}">${text(c.authorEmail)}</a>${
      site ? `<br><a href="${attr(site)}" rel="nofollow ugc noopener">${text(site)}</a>` : ''
    }</td>`,
    // Sanitized by @careerfeed/comments (sanitizeCommentBody) before it was stored: a small allowlist, http(s) links only.
    `<td><div class="comment-body">${c.bodyHtml}</div>${c.spamReason ? `<p class="hint">Spam check: ${text(c.spamReason)}</p>` : ''}</td>`,
    `<td><a href="${attr(c.post.url)}">${text(c.post.title)}</a></td>`,
    `<td>${when(c.createdAt)}</td>`,
    `<td><div class="actions">${actions} <a href="/console/comments/${attr(c.id)}/delete?back=${tab}">Delete…</a></div></td>`,
    '</tr>',
  ].join('');
}

/** Editors: readers' comments by status, pending first; approve, hold, spam, trash, delete. */
export const commentsSection: ConsoleSection = {
  path: '/comments',
  label: 'Comments',
  role: 'editor',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    const commentsDeps: CommentsDeps = {
      db: deps.db,
      publicBaseUrl: deps.publicBaseUrl,
      now: deps.now,
      tokenKey: cachedCommentTokenKey(deps.db),
      logger: deps.logger,
      ...deps.comments,
    };
    const audit = (res: Response, action: string, target: string, details?: Record<string, unknown>) =>
      recordAudit(deps.db, { actor: consoleOf(res).actor, action, target, details, now: deps.now() });

    router.get('/', async (req, res) => {
      const status = statusOf(req.query.status);
      const cursor = typeof req.query.cursor === 'string' && UUID.test(req.query.cursor) ? req.query.cursor : undefined;
      const list = await listComments(commentsDeps, { status, cursor, limit: PAGE_SIZE });
      const tabs = `<nav aria-label="Comments by status"><ul class="tabs">${COMMENT_STATUSES.map(
        (s) =>
          `<li><a href="${listHref(s)}"${s === status ? ' aria-current="page"' : ''}>${TAB_LABELS[s]} <span class="badge${
            s === 'pending' && list.counts.pending > 0 ? ' warn' : ''
          }">${list.counts[s]}</span></a></li>`,
      ).join('')}</ul></nav>`;
      const selectable = list.items.some((c) => c.status !== 'approved');
      const table =
        list.items.length === 0
          ? `<p class="empty">${text(EMPTY[status])}</p>`
          : `<div class="table"><table><caption>${text(TAB_LABELS[status])} comments, newest first</caption><thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Author</th><th scope="col">Comment</th><th scope="col">On</th><th scope="col">Date</th><th scope="col">Actions</th></tr></thead><tbody>${list.items
              .map((c) => commentRow(res, c, status))
              .join('')}</tbody></table></div>`;
      sendConsolePage(res, {
        title: 'Comments',
        main: [
          '<h1>Comments</h1>',
          tabs,
          selectable
            ? `<form method="post" action="/console/comments/bulk-approve" id="bulk-approve">${csrfField(res)}${hidden('back', status)}<button type="submit">Approve selected</button></form>`
            : '',
          table,
          list.nextCursor
            ? `<p><a href="${listHref(status)}&amp;cursor=${attr(list.nextCursor)}">Older comments</a></p>`
            : '',
        ].join('\n'),
      });
    });

    router.post('/bulk-approve', async (req, res) => {
      const raw = (req.body as Record<string, unknown> | undefined)?.ids;
      const ids = [...new Set((Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string'))];
      const back = statusOf(field(req.body, 'back'));
      if (ids.length === 0) {
        setNotice(res, 'Select at least one comment, then press "Approve selected".');
        res.redirect(303, listHref(back));
        return;
      }
      if (ids.length > BULK_MAX || ids.some((id) => !UUID.test(id))) {
        throw new AppError({
          code: 'VALIDATION_FAILED',
          status: 400,
          detail: `Approve at most ${BULK_MAX} comments at once, from the list.`,
        });
      }
      let approved = 0;
      let missing = 0;
      for (const id of ids) {
        try {
          await setCommentStatus(commentsDeps, id, 'approved');
          approved++;
        } catch (error) {
          // Deleted in another tab meanwhile: the others are still approved.
          if (error instanceof AppError && error.status === 404) missing++;
          else throw error;
        }
      }
      await audit(res, 'comments.bulk_approved', 'comments', { count: approved, ids: ids.slice(0, BULK_MAX) });
      setNotice(
        res,
        `${approved} comment${approved === 1 ? '' : 's'} approved${missing ? `; ${missing} no longer existed` : ''}.`,
      );
      res.redirect(303, listHref(back));
    });

    router.post('/:id/status', async (req, res) => {
      const id = idParam(req.params.id);
      const action = ACTIONS.find((a) => a.status === field(req.body, 'status'));
      if (!action) {
        throw new AppError({
          code: 'VALIDATION_FAILED',
          status: 400,
          detail: 'Choose approve, hold, spam or trash.',
        });
      }
      const before = await getComment(commentsDeps, id);
      await setCommentStatus(commentsDeps, id, action.status);
      if (before.status !== action.status) {
        await audit(res, action.audit, `comment:${id}`, { from: before.status, postId: before.post.id });
      }
      setNotice(res, `The comment by ${before.authorName} is ${action.done}.`);
      res.redirect(303, listHref(statusOf(field(req.body, 'back'))));
    });

    router.get('/:id/delete', async (req, res) => {
      const id = idParam(req.params.id);
      const comment = await getComment(commentsDeps, id);
      const back = statusOf(req.query.back);
      sendConsolePage(res, {
        title: 'Delete the comment',
        main: confirmPage(res, {
          heading: 'Delete this comment for good?',
          consequences: [
            `The comment by ${comment.authorName} on “${comment.post.title}” is deleted; it cannot be brought back.`,
            'Replies to it stay and move up one level.',
            'To hide it but keep it, move it to the trash instead.',
          ],
          action: `/console/comments/${id}/delete`,
          fields: { back },
          confirmLabel: 'Delete the comment',
          cancelHref: listHref(back),
        }),
      });
    });

    router.post('/:id/delete', async (req, res) => {
      const id = idParam(req.params.id);
      const comment = await getComment(commentsDeps, id);
      await deleteComment(commentsDeps, id);
      await audit(res, 'comment.deleted', `comment:${id}`, { status: comment.status, postId: comment.post.id });
      setNotice(res, `The comment by ${comment.authorName} is deleted.`);
      res.redirect(303, listHref(statusOf(field(req.body, 'back'))));
    });

    return router;
  },
};
