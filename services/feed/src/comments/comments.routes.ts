import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import {
  AppError,
  isValidSlug,
  renderNotFoundPage,
  renderPostPage,
  renderSubscriptionMessagePage,
  type SiteView,
} from '@careerfeed/core';
import {
  COMMENT_FEED_CONTENT_TYPE,
  type SubmitCommentDeps,
  buildCommentFeedItems,
  checkReplyUnsubscribeLink,
  confirmReplyNotifications,
  renderCommentFeed,
  submitComment,
  unsubscribeReplyNotifications,
} from '@careerfeed/comments';
import { readSite } from '@careerfeed/posts';
import { formOrJsonBody, methodNotAllowed } from '@careerfeed/http';
import { buildPostPage, buildSiteView } from '../pages/pages.service';
import { formErrorPages, sendFormPage, wantsHtml } from '../forms/form-pages';

/**
 * Readers' side of comments: `POST /posts/{slug}/comments` (a form that works without JavaScript,
 * or JSON), the comment feeds, and the links of reply-notification mails. A form gets a 303 back
 * to the post with a notice, or the post page again with its errors and what was typed; JSON
 * clients get 201 (published) / 202 (held) and RFC 9457 problems.
 */

/** Far above the longest comment (8,000 characters, escaped); larger bodies are a 413. */
const BODY_LIMIT = '64kb';

const formOrJson = formOrJsonBody(BODY_LIMIT, 50);

const anyBody = express.raw({ type: () => true, limit: BODY_LIMIT });

function slugParam(value: string | undefined): string {
  if (value === undefined || value.length > 200 || !isValidSlug(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such post' });
  }
  return value;
}

function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** What a form sent, to fill the form again when it is refused (strings only; anything else is dropped). */
function typedValues(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function messagePage(
  site: SiteView,
  heading: string,
  paragraphs: string[],
  links: { title: string; url: string }[] = [],
): string {
  return renderSubscriptionMessagePage({ site, heading, paragraphs, links });
}

/**
 * Refusals of a form post become pages: a refused comment shows the post again with the errors
 * above the form and everything typed still in it; a missing post is the usual 404 page; a rate
 * limit or an outage says when to try again. API clients get problem+json from the app's handler.
 */
function commentErrors(deps: SubmitCommentDeps): ErrorRequestHandler {
  return formErrorPages(async (known, req) => {
    const site = await buildSiteView(deps);
    // Route parameters are not kept for a router-level error handler: the path says which post.
    const slug = /^\/posts\/([^/]+)\/comments$/.exec(req.path)?.[1];
    if (known.code === 'VALIDATION_FAILED' && slug !== undefined && isValidSlug(slug)) {
      const typed = typedValues(req.body);
      const view = await buildPostPage({ ...deps, commentTokenKey: deps.tokenKey }, slug, {
        errors: known.errors ?? [{ path: '', message: known.message }],
        values: {
          name: typed.name,
          email: typed.email,
          url: typed.url,
          body: typed.body,
          parentId: typed.parent_id,
          notifyReplies: typed.notify_replies === 'on',
        },
      });
      if (view) return renderPostPage(view);
    }
    if (known.status === 404) return renderNotFoundPage(site);
    if (known.code === 'RATE_LIMITED') {
      const minutes = Math.ceil((known.retryAfterSeconds ?? 60) / 60);
      return messagePage(site, 'Too many comments', [
        `Your comment was not saved. Please wait ${minutes} minute${minutes === 1 ? '' : 's'}, then go back and send it again.`,
      ]);
    }
    return messagePage(
      site,
      known.title,
      [`Nothing was changed. ${known.message}.`],
      [{ title: 'Go to the latest posts', url: site.homeUrl }],
    );
  });
}

export function commentsRouter(deps: SubmitCommentDeps): Router {
  const router = Router();

  router
    .route('/posts/:slug/comments')
    .post(...formOrJson, async (req, res) => {
      const slug = slugParam(req.params.slug);
      const html = wantsHtml(req);
      const submitted = await submitComment(deps, {
        slug,
        ip: clientIp(req),
        body: req.body as unknown,
        via: req.is('application/x-www-form-urlencoded') ? 'form' : 'json',
      });
      const status = submitted.published ? 201 : 202;
      if (html) {
        // Post/Redirect/Get: reloading the page does not send the comment again.
        const anchor = submitted.published ? `comment-${submitted.comment.id}` : 'comment-notice';
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(
          303,
          `/posts/${encodeURIComponent(slug)}?comment=${submitted.published ? 'published' : 'held'}#${anchor}`,
        );
        return;
      }
      res.setHeader('Cache-Control', 'no-store');
      if (submitted.published) res.location(`${submitted.postUrl}#comment-${submitted.comment.id}`);
      res.status(status).json({
        id: submitted.comment.id,
        status: submitted.published ? 'approved' : 'pending',
        post: submitted.postSlug,
        parent_id: submitted.comment.parentId,
        author_name: submitted.comment.authorName,
        author_url: submitted.comment.authorUrl,
        body_html: submitted.comment.bodyHtml,
        created_at: submitted.comment.createdAt,
        message: submitted.published
          ? 'Your comment is published.'
          : 'Your comment is awaiting moderation and will appear once approved.',
      });
    })
    .all(methodNotAllowed(['POST']));

  async function sendCommentFeed(res: Response, slug: string | undefined): Promise<void> {
    const result = await buildCommentFeedItems(deps, slug);
    if (!result) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No such post' });
    const site = await readSite(deps.db.kysely);
    const base = deps.publicBaseUrl;
    const post = result.post;
    const xml = renderCommentFeed({
      title: post ? `Comments on: ${post.title}` : `Comments for ${site.title}`,
      description: post ? `Readers' comments on "${post.title}"` : `Readers' comments on ${site.title}`,
      language: site.language,
      selfUrl: post ? `${base}/posts/${encodeURIComponent(post.slug)}/comments/feed.xml` : `${base}/comments/feed.xml`,
      pageUrl: post ? `${base}/posts/${encodeURIComponent(post.slug)}` : `${base}/`,
      siteWide: post === null,
      items: result.items,
    });
    res.setHeader('Content-Type', COMMENT_FEED_CONTENT_TYPE);
    // Rendered per request from one indexed query; a minute of caching spares polling readers.
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(xml);
  }

  router
    .route('/posts/:slug/comments/feed.xml')
    .get((req, res) => sendCommentFeed(res, slugParam(req.params.slug)))
    .all(methodNotAllowed(['GET', 'HEAD']));
  router
    .route('/comments/feed.xml')
    .get((_req, res) => sendCommentFeed(res, undefined))
    .all(methodNotAllowed(['GET', 'HEAD']));

  // The links of reply-notification mails. Confirming is a GET (the link itself) and idempotent.
  router
    .route('/comments/notifications/confirm')
    .get(async (req, res) => {
      const { postUrl, postTitle } = await confirmReplyNotifications(deps, req.query.token);
      if (!wantsHtml(req)) {
        res.setHeader('Cache-Control', 'no-store');
        res.json({ reply_notifications: 'confirmed' });
        return;
      }
      const site = await buildSiteView(deps);
      sendFormPage(
        res,
        200,
        messagePage(
          site,
          'Reply notifications are on',
          [
            `We will email you when someone replies to your comment on "${postTitle}". Every such email has a link to stop them.`,
          ],
          [{ title: `Back to "${postTitle}"`, url: postUrl }],
        ),
      );
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/comments/notifications/unsubscribe')
    .get(async (req, res) => {
      await checkReplyUnsubscribeLink(deps, req.query.token);
      if (!wantsHtml(req)) {
        res.setHeader('Cache-Control', 'no-store');
        res.json({ reply_notifications: 'valid-link' });
        return;
      }
      const site = await buildSiteView(deps);
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      sendFormPage(
        res,
        200,
        renderSubscriptionMessagePage({
          site,
          heading: 'Stop reply notifications',
          paragraphs: ['Stop the emails about replies to this comment. It takes effect at once.'],
          form: {
            action: `/comments/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
            button: 'Stop these emails',
          },
        }),
      );
    })
    // RFC 8058 one-click: the signed link is the credential.
    .post(anyBody, async (req, res) => {
      await unsubscribeReplyNotifications(deps, req.query.token);
      if (!wantsHtml(req)) {
        res.setHeader('Cache-Control', 'no-store');
        res.json({ reply_notifications: 'unsubscribed' });
        return;
      }
      const site = await buildSiteView(deps);
      sendFormPage(
        res,
        200,
        messagePage(site, 'Reply notifications are off', [
          'You will get no more emails about replies to this comment.',
        ]),
      );
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router.use(commentErrors(deps));
  return router;
}
