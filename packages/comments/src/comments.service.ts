import { AppError, emailKeyOf } from '@careerfeed/core';
import { type CommentRow, type CommentStatus, type Db, uuidv7 } from '@careerfeed/db';
import type { CommentMailJob, CommentMailQueue } from '@careerfeed/jobs';
import { isRowVisibleAt, postUrl } from '@careerfeed/posts';
import { sanitizeCommentBody } from './comment-body';
import { type CommentInput, parseCommentInput } from './comment-input';
import {
  MAX_DEPTH,
  MAX_LINKS,
  MAX_LINKS_BEFORE_SPAM,
  type ModerationComment,
  type PublicComment,
  toPublicComment,
} from './comment-model';
import type { CommentRateLimits } from './comment-rate-limits';
import { feedScopesOfComment } from './feed-changes';
import { MIN_SECONDS_TO_COMMENT, signFormToken, verifyFormToken } from './form-token';
import { verifyReplyLink } from './reply-links';
import type { CommentFeedItem } from './comment-feed';
import * as repo from './comments.repository';

/** Something that takes log lines (pino's Logger fits). */
export interface CommentsLogger {
  warn(object: object, message: string): void;
}

/** What every comment operation needs; the stateful parts are handed in (see services' app.ts). */
export interface CommentsDeps {
  db: Db;
  publicBaseUrl: string;
  now?: (() => Date) | undefined;
  /** The key of form tokens and reply links (settings `comment-token-key`, read once). */
  tokenKey: () => Promise<Buffer>;
  /** Where mails are handed to the worker; without it no mail is asked for. */
  mails?: CommentMailQueue | undefined;
  /** Tells every feed instance which cached feeds changed; without it feeds catch up on their TTL. */
  announceFeedChanges?: ((scopes: string[]) => Promise<void>) | undefined;
  /** Whether a mail goes to the site's comment notification address for each new comment. */
  notifyNewComments?: boolean | undefined;
  logger?: CommentsLogger | undefined;
}

export interface SubmitCommentDeps extends CommentsDeps {
  limits: CommentRateLimits;
}

function now(deps: Pick<CommentsDeps, 'now'>): Date {
  return deps.now?.() ?? new Date();
}

function notFound(detail: string): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail });
}

function unprocessable(path: string, message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    status: 422,
    detail: `${path}: ${message}`,
    errors: [{ path, message }],
  });
}

/** The post readers may comment on: it exists and is visible now (drafts and scheduled posts look missing). */
async function commentablePost(deps: CommentsDeps, slug: string): Promise<repo.CommentPostRow> {
  const post = await repo.findPostBySlug(deps.db.kysely, slug);
  if (!post || !isRowVisibleAt(post, now(deps).toISOString())) throw notFound('No such post');
  return post;
}

/** A signed timestamp for the comment form of a post (see form-token.ts). */
export async function issueFormToken(deps: CommentsDeps, postId: string): Promise<string> {
  return signFormToken(await deps.tokenKey(), postId, now(deps));
}

/** The parent of a reply: on the same post, approved, and not already at the deepest level. */
async function checkParent(deps: CommentsDeps, post: repo.CommentPostRow, parentId: string): Promise<CommentRow> {
  const parent = await repo.findCommentById(deps.db.kysely, parentId);
  if (!parent || parent.status !== 'approved') {
    // An unapproved comment is not public: it reads exactly like a missing one.
    throw unprocessable('parent_id', 'is not a published comment; replies can only answer published comments');
  }
  if (parent.post_id !== post.id) throw unprocessable('parent_id', 'is a comment on another post');
  if (parent.depth >= MAX_DEPTH) {
    throw unprocessable(
      'parent_id',
      `replies nest at most ${MAX_DEPTH + 1} levels deep; reply to the comment this one answers instead`,
    );
  }
  return parent;
}

type Verdict = { status: CommentStatus; spamReason: string | null };

/**
 * WordPress's default: a comment is held unless its address already has an approved comment.
 * Before that, the spam signals, none of which needs a third-party service.
 */
async function judge(
  deps: CommentsDeps,
  post: repo.CommentPostRow,
  input: CommentInput,
  linkCount: number,
  via: 'form' | 'json',
): Promise<Verdict> {
  if (input.formToken !== undefined || via === 'form') {
    const check =
      input.formToken === undefined
        ? ({ ok: false } as const)
        : verifyFormToken(await deps.tokenKey(), input.formToken, post.id, now(deps));
    if (!check.ok) {
      throw new AppError({
        code: 'VALIDATION_FAILED',
        status: 400,
        detail: 'The comment form is not valid any more: reload the post and send your comment again',
        errors: [{ path: 'form_token', message: 'is missing or not valid; reload the page and send again' }],
      });
    }
    if (check.secondsSinceIssued < MIN_SECONDS_TO_COMMENT) return { status: 'spam', spamReason: 'too-fast' };
  }
  if (input.honeypot !== undefined && input.honeypot.trim() !== '') return { status: 'spam', spamReason: 'honeypot' };
  if (linkCount > MAX_LINKS_BEFORE_SPAM) return { status: 'spam', spamReason: 'links' };
  const known = await repo.hasApprovedComment(deps.db.kysely, emailKeyOf(input.email));
  return { status: known ? 'approved' : 'pending', spamReason: null };
}

export interface SubmittedComment {
  /** `approved` is published now (201); anything else is held (202): spam answers like held. */
  published: boolean;
  comment: PublicComment;
  postSlug: string;
  postUrl: string;
}

/**
 * POST /posts/{slug}/comments. Order: client limit → validation → post and parent → address
 * limit → verdict → one insert → mails and feed invalidation (failures there are logged, never
 * undo the comment: a lost notification is better than a lost comment).
 */
export async function submitComment(
  deps: SubmitCommentDeps,
  request: { slug: string; ip: string; body: unknown; via: 'form' | 'json' },
): Promise<SubmittedComment> {
  await deps.limits.consumeClient(request.ip);
  const input = parseCommentInput(request.body);
  const sanitized = sanitizeCommentBody(input.body);
  if (sanitized.linkCount > MAX_LINKS) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 422,
      detail: `The comment has ${sanitized.linkCount} links; at most ${MAX_LINKS} are accepted`,
      errors: [{ path: 'body', message: `has ${sanitized.linkCount} links; at most ${MAX_LINKS} are accepted` }],
    });
  }
  const post = await commentablePost(deps, request.slug);
  const parent = input.parentId === undefined ? undefined : await checkParent(deps, post, input.parentId);
  const emailKey = emailKeyOf(input.email);
  await deps.limits.consumeAddress(emailKey);
  const verdict = await judge(deps, post, input, sanitized.linkCount, request.via);
  const at = now(deps).toISOString();
  const row: CommentRow = {
    id: uuidv7(),
    post_id: post.id,
    parent_id: parent?.id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    author_name: input.name,
    author_email: input.email,
    author_email_key: emailKey,
    author_url: input.url ?? null,
    body_html: sanitized.html,
    status: verdict.status,
    spam_reason: verdict.spamReason,
    reply_notifications: input.notifyReplies && verdict.status !== 'spam' ? 'pending' : 'none',
    created_at: at,
    updated_at: at,
    approved_at: verdict.status === 'approved' ? at : null,
    external_id: null,
  };
  await repo.insertComment(deps.db.kysely, row);
  if (row.reply_notifications === 'pending') {
    const queued = await askForMail(deps, { kind: 'confirm-replies', commentId: row.id });
    if (!queued) await repo.setReplyNotifications(deps.db.kysely, row.id, 'none', at);
  }
  if (verdict.status !== 'spam' && deps.notifyNewComments) {
    await askForMail(deps, { kind: 'new-comment', commentId: row.id });
  }
  if (verdict.status === 'approved') await afterPublished(deps, post, row);
  return {
    published: verdict.status === 'approved',
    comment: toPublicComment(row),
    postSlug: post.slug,
    postUrl: postUrl(deps.publicBaseUrl, post.slug),
  };
}

async function askForMail(deps: CommentsDeps, job: CommentMailJob): Promise<boolean> {
  if (!deps.mails) return false;
  try {
    await deps.mails.enqueue(job);
    return true;
  } catch (error) {
    deps.logger?.warn({ err: error, job: job.kind, commentId: job.commentId }, 'could not queue a comment mail');
    return false;
  }
}

/** A comment became public: feeds that count it change, and the parent's author may hear of the reply. */
async function afterPublished(deps: CommentsDeps, post: repo.CommentPostRow, row: CommentRow): Promise<void> {
  await announce(deps, post);
  if (row.parent_id !== null) await askForMail(deps, { kind: 'reply', commentId: row.id });
}

async function announce(deps: ImportCommentsDeps, post: repo.CommentPostRow): Promise<void> {
  if (!deps.announceFeedChanges) return;
  try {
    await deps.announceFeedChanges(feedScopesOfComment(post));
  } catch (error) {
    // The feed caches' TTL (a minute) is the backstop.
    deps.logger?.warn({ err: error, postId: post.id }, 'could not announce feed changes after a comment');
  }
}

// ---- imports (the WordPress importer)

export interface ImportedComment {
  /** The post's id in careerfeed. */
  postId: string;
  /** A comment imported earlier on the same post (its id here), or null. */
  parentId: string | null;
  name: string;
  email: string;
  url: string | null;
  /** As the old blog stored it: sanitized here like any comment. */
  body: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /**
   * Where it came from (for WordPress `<site>/?p=<post>#comment-<id>`): a comment already imported
   * with this id is not stored again, and its id is returned.
   */
  externalId?: string | undefined;
}

/** What an import needs of CommentsDeps (no form-token key, mail queue or rate limits). */
export type ImportCommentsDeps = Pick<CommentsDeps, 'db' | 'publicBaseUrl' | 'now' | 'announceFeedChanges' | 'logger'>;

export interface ImportedCommentResult {
  id: string;
  /** false when a comment with the same externalId was imported before (nothing written). */
  created: boolean;
}

/**
 * Stores an approved comment from another system (WordPress export): no rate limits, no spam
 * signals, no mails, no form token; the same sanitizing, field rules and thread rules as a reader's
 * comment, except depth (a parent must be an approved comment of the same post, but WordPress
 * threads up to 10 deep are kept as they were; readers cannot reply below MAX_DEPTH). Import
 * parents before their replies, oldest first: lists order by id, which is the order of import.
 * Returns the new comment's id. Announces feed changes per call: an importer of many comments may
 * pass no announcer and invalidate once.
 */
export async function importApprovedComment(deps: ImportCommentsDeps, comment: ImportedComment): Promise<string> {
  return (await importApprovedCommentOnce(deps, comment)).id;
}

/**
 * importApprovedComment, telling whether it was stored now or found from an earlier import (by
 * `externalId`): what makes a re-import of the same export a no-op.
 */
export async function importApprovedCommentOnce(
  deps: ImportCommentsDeps,
  comment: ImportedComment,
): Promise<ImportedCommentResult> {
  const db = deps.db.kysely;
  if (comment.externalId) {
    const existing = await repo.findCommentByExternalId(db, comment.externalId);
    if (existing) return { id: existing.id, created: false };
  }
  const post = await repo.findPostById(db, comment.postId);
  if (!post) throw notFound(`No post has the id "${comment.postId.slice(0, 80)}"`);
  const input = parseCommentInput({
    name: comment.name,
    email: comment.email,
    ...(comment.url ? { url: comment.url } : {}),
    body: comment.body,
    ...(comment.parentId ? { parent_id: comment.parentId } : {}),
  });
  const parent = input.parentId === undefined ? undefined : await repo.findCommentById(db, input.parentId);
  if (input.parentId !== undefined && (!parent || parent.post_id !== post.id || parent.status !== 'approved')) {
    throw unprocessable('parent_id', 'is not an approved comment of this post');
  }
  const at = now(deps).toISOString();
  const row: CommentRow = {
    id: uuidv7(),
    post_id: post.id,
    parent_id: parent?.id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    author_name: input.name,
    author_email: input.email,
    author_email_key: emailKeyOf(input.email),
    author_url: input.url ?? null,
    body_html: sanitizeCommentBody(input.body).html,
    status: 'approved',
    spam_reason: null,
    reply_notifications: 'none',
    created_at: comment.createdAt,
    updated_at: at,
    approved_at: at,
    external_id: comment.externalId ?? null,
  };
  await repo.insertComment(db, row);
  await announce(deps, post);
  return { id: row.id, created: true };
}

// ---- reading

export interface PostComments {
  postId: string;
  comments: PublicComment[];
}

/** The approved comments of a visible post, oldest first; null when readers cannot see the post. */
export async function approvedCommentsOfPost(deps: CommentsDeps, postId: string): Promise<PublicComment[]> {
  return (await repo.findApprovedCommentsOfPost(deps.db.kysely, postId)).map(toPublicComment);
}

// ---- moderation (ingest API, and the staff console later)

export interface ListCommentsQuery {
  status?: CommentStatus | undefined;
  /** Only the comments of this post (its id). */
  postId?: string | undefined;
  /** `next_cursor` of the previous page. */
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface CommentList {
  items: ModerationComment[];
  /** How many comments each status holds, whatever the filter: the tabs of a moderation screen. */
  counts: Record<CommentStatus, number>;
  nextCursor: string | null;
}

function toModerationComment(base: string, row: repo.CommentWithPostRow): ModerationComment {
  return {
    ...toPublicComment(row),
    status: row.status,
    authorEmail: row.author_email,
    spamReason: row.spam_reason,
    post: { id: row.post_id, slug: row.post_slug, title: row.post_title, url: postUrl(base, row.post_slug) },
    updatedAt: row.updated_at,
    approvedAt: row.approved_at,
  };
}

/** Newest first, by status and/or post, with counts by status. */
export async function listComments(deps: CommentsDeps, query: ListCommentsQuery = {}): Promise<CommentList> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const db = deps.db.kysely;
  const [rows, counts] = await Promise.all([
    repo.findComments(db, { status: query.status, postId: query.postId, before: query.cursor, limit: limit + 1 }),
    repo.countCommentsByStatus(db),
  ]);
  const page = rows.slice(0, limit);
  return {
    items: page.map((row) => toModerationComment(deps.publicBaseUrl, row)),
    counts,
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

export async function getComment(deps: CommentsDeps, id: string): Promise<ModerationComment> {
  const row = await repo.findCommentById(deps.db.kysely, id);
  if (!row) throw notFound(`No comment has the id "${id.slice(0, 80)}"`);
  const post = await repo.findPostById(deps.db.kysely, row.post_id);
  return toModerationComment(deps.publicBaseUrl, { ...row, post_slug: post!.slug, post_title: post!.title });
}

/**
 * Approve, hold, mark as spam or trash. Idempotent: setting the current status changes nothing.
 * Publishing or unpublishing invalidates the feeds that count the comment; the first approval of
 * a reply tells the parent's author (if they asked), once.
 */
export async function setCommentStatus(
  deps: CommentsDeps,
  id: string,
  status: CommentStatus,
): Promise<ModerationComment> {
  const db = deps.db.kysely;
  const row = await repo.findCommentById(db, id);
  if (!row) throw notFound(`No comment has the id "${id.slice(0, 80)}"`);
  if (row.status !== status) {
    const at = now(deps).toISOString();
    const approvedAt = status === 'approved' ? (row.approved_at ?? at) : row.approved_at;
    await repo.updateStatus(db, id, status, at, approvedAt);
    const post = await repo.findPostById(db, row.post_id);
    if (post && (status === 'approved' || row.status === 'approved')) await announce(deps, post);
    if (post && status === 'approved' && row.approved_at === null && row.parent_id !== null) {
      await askForMail(deps, { kind: 'reply', commentId: row.id });
    }
  }
  return getComment(deps, id);
}

/** Deletes for good; replies move up a level. Deleting a missing comment is a 404. */
export async function deleteComment(deps: CommentsDeps, id: string): Promise<void> {
  const db = deps.db.kysely;
  const row = await repo.findCommentById(db, id);
  if (!row) throw notFound(`No comment has the id "${id.slice(0, 80)}"`);
  await repo.deleteComment(db, row);
  if (row.status === 'approved') {
    const post = await repo.findPostById(db, row.post_id);
    if (post) await announce(deps, post);
  }
}

// ---- reply notifications (the links in the mails)

function linkInvalid(): AppError {
  return new AppError({
    code: 'TOKEN_INVALID',
    status: 400,
    detail: 'This link is not valid; copy the whole link from the email',
  });
}

/** The confirmation link: pending → confirmed. Confirming again is fine; after an unsubscribe it is a 409. */
export async function confirmReplyNotifications(
  deps: CommentsDeps,
  token: unknown,
): Promise<{ postUrl: string; postTitle: string }> {
  const id = verifyReplyLink(await deps.tokenKey(), 'confirm', token);
  if (id === null) throw linkInvalid();
  const db = deps.db.kysely;
  const row = await repo.findCommentById(db, id);
  if (!row) throw notFound('The comment this link belongs to no longer exists');
  if (row.reply_notifications === 'unsubscribed' || row.reply_notifications === 'none') {
    throw new AppError({
      code: 'CONFLICT',
      status: 409,
      detail: 'Reply notifications for this comment were turned off; nothing was changed',
    });
  }
  await repo.setReplyNotifications(db, id, 'confirmed', now(deps).toISOString(), 'pending');
  const post = await repo.findPostById(db, row.post_id);
  return { postUrl: postUrl(deps.publicBaseUrl, post!.slug), postTitle: post!.title };
}

/** The unsubscribe page (GET) only checks the link; its button (or a mail client) POSTs. */
export async function checkReplyUnsubscribeLink(deps: CommentsDeps, token: unknown): Promise<void> {
  if (verifyReplyLink(await deps.tokenKey(), 'unsubscribe', token) === null) throw linkInvalid();
}

/** RFC 8058 one-click unsubscribe: at once, idempotent; a deleted comment counts as done. */
export async function unsubscribeReplyNotifications(deps: CommentsDeps, token: unknown): Promise<void> {
  const id = verifyReplyLink(await deps.tokenKey(), 'unsubscribe', token);
  if (id === null) throw linkInvalid();
  const row = await repo.findCommentById(deps.db.kysely, id);
  if (!row || row.reply_notifications === 'unsubscribed') return;
  await repo.setReplyNotifications(deps.db.kysely, id, 'unsubscribed', now(deps).toISOString());
}

// ---- comment feeds

/** How many comments a comment feed carries (WordPress shows 10; readers poll often). */
export const COMMENT_FEED_LIMIT = 30;

/**
 * The newest approved comments of one visible post (`slug`), or of every visible post (no slug);
 * null when the post does not exist for readers. Comments on drafts and scheduled posts never show.
 */
export async function buildCommentFeedItems(
  deps: CommentsDeps,
  slug?: string,
): Promise<{ post: repo.CommentPostRow | null; items: CommentFeedItem[] } | null> {
  const post = slug === undefined ? null : await commentablePost(deps, slug).catch(() => null);
  if (slug !== undefined && post === null) return null;
  const nowUtc = now(deps).toISOString();
  const rows = await repo.findVisibleApprovedComments(deps.db.kysely, {
    postId: post?.id,
    nowUtc,
    limit: COMMENT_FEED_LIMIT,
  });
  return {
    post,
    items: rows.map((row) => ({
      id: row.id,
      authorName: row.author_name,
      bodyHtml: row.body_html,
      createdAt: row.created_at,
      postTitle: row.post_title,
      postUrl: postUrl(deps.publicBaseUrl, row.post_slug),
    })),
  };
}
