import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import {
  type AppError,
  FORM_PAGE_CONTENT_SECURITY_POLICY,
  type SiteView,
  type SubscriptionMessageView,
  renderPreferencesPage,
  renderSubscribePage,
  renderSubscriptionMessagePage,
} from '@careerfeed/core';
import { formOrJsonBody, methodNotAllowed } from '@careerfeed/http';
import { buildSiteView } from '../pages/pages.service';
import { formErrorPages, sendFormPage, wantsHtml } from '../forms/form-pages';
import { RateLimitedError } from './subscribe-rate-limits';
import {
  type SubscriptionsDeps,
  buildSubscribePage,
  checkUnsubscribeLink,
  confirm,
  readPreferences,
  savePreferences,
  subscribe,
  unsubscribe,
} from './subscriptions.service';

/**
 * /subscribe, /subscribe/confirm, /preferences, /unsubscribe. Browsers get pages (forms post
 * application/x-www-form-urlencoded); API clients get JSON and RFC 9457 problems. Every answer is
 * `no-store` (they carry tokens or personal choices) and sends no Referer (tokens live in URLs).
 */

/** Far above any honest form (200 topics of 200 characters fit); larger bodies are a 413. */
const BODY_LIMIT = '64kb';
/** The same, for the check of a declared Content-Length before anything is read (app.ts). */
export const SUBSCRIPTION_BODY_LIMIT_BYTES = 64 * 1024;

const SUBSCRIBED_MESSAGE =
  'Check your inbox: if this address can receive email, a message is on its way. Open the link in it to confirm.';

/**
 * Whether to answer with a page: the client prefers HTML, or says nothing about it and sent a form
 * (or, for a GET, anything). A JSON body without an Accept header gets JSON.
 */

function sendJson(res: Response, status: number, body: unknown): void {
  res.vary('Accept');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.status(status).json(body);
}

const formOrJson = formOrJsonBody(BODY_LIMIT, 500);

/** A one-click POST may carry any body (RFC 8058 sends `List-Unsubscribe=One-Click`); it is read and ignored. */
const anyBody = express.raw({ type: () => true, limit: BODY_LIMIT });

function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function messagePage(site: SiteView, view: Omit<SubscriptionMessageView, 'site'>): string {
  return renderSubscriptionMessagePage({ site, ...view });
}

/** What a person reads for each refusal. */
function errorView(error: AppError, site: SiteView): Omit<SubscriptionMessageView, 'site'> {
  const subscribeAgain = { title: 'Subscribe again', url: `${site.homeUrl}subscribe` };
  switch (error.code) {
    case 'VALIDATION_FAILED':
      return {
        heading: 'Please check the form',
        paragraphs: ['Nothing was saved. Go back, correct these and send the form again:'],
        errors: error.errors ?? [{ path: '', message: error.message }],
      };
    case 'RATE_LIMITED': {
      const seconds = error instanceof RateLimitedError ? error.retryAfterSeconds : 60;
      const minutes = Math.ceil(seconds / 60);
      return {
        heading: 'Too many attempts',
        paragraphs: [`Nothing was saved. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`],
      };
    }
    case 'SERVICE_UNAVAILABLE':
      return { heading: 'Please try again in a moment', paragraphs: ['Nothing was saved. ' + error.message + '.'] };
    case 'TOKEN_EXPIRED':
      return {
        heading: 'This link has expired',
        paragraphs: ['Confirmation links work for 48 hours. Subscribe again and we will send you a new one.'],
        links: [subscribeAgain],
      };
    case 'LINK_EXPIRED':
      return {
        heading: 'This link has expired',
        paragraphs: [
          'Nothing was changed. Links to preferences and to unsubscribe work for 90 days after the email that carries them; ' +
            'the newest email from us has links that work.',
          'No recent email at hand? Enter your address on the subscribe page: if it is subscribed, we email it fresh links ' +
            'to your preferences and to unsubscribe.',
        ],
        links: [{ title: 'Get fresh links by email, or subscribe again', url: `${site.homeUrl}subscribe` }],
      };
    case 'LINK_REVOKED':
      return {
        heading: 'This link no longer works',
        paragraphs: [
          'Nothing was changed. The subscription this link belonged to has ended: the address was unsubscribed. ' +
            'If it has subscribed again since, the emails sent since then carry new links.',
          'To subscribe again, or to get fresh links to your preferences if you are subscribed, enter your address on ' +
            'the subscribe page.',
        ],
        links: [{ title: 'Subscribe again or get fresh links', url: `${site.homeUrl}subscribe` }],
      };
    case 'TOKEN_INVALID':
      return {
        heading: 'This link is not valid',
        paragraphs: ['Part of the link may be missing: copy the whole link from the email into the address bar.'],
      };
    case 'TOKEN_USED':
      return {
        heading: 'This link has already been used',
        paragraphs: [
          'Nothing was changed. If you confirmed earlier, you are subscribed, and every email has a link to your preferences. ' +
            'If you asked again since, use the link in the newest email.',
        ],
        links: [subscribeAgain],
      };
    case 'CONFLICT':
      return { heading: 'You are unsubscribed', paragraphs: [error.message + '.'], links: [subscribeAgain] };
    case 'NOT_FOUND':
      return { heading: 'No subscription here', paragraphs: [error.message + '.'], links: [subscribeAgain] };
    default:
      return { heading: error.title, paragraphs: ['Nothing was saved. ' + error.message + '.'] };
  }
}

/** Refusals become pages for browsers and problem+json (from the app's handler) for everyone else. */
function subscriptionErrors(deps: SubscriptionsDeps): ErrorRequestHandler {
  return formErrorPages(async (known) => {
    const site = await buildSiteView(deps);
    return messagePage(site, errorView(known, site));
  });
}

export function subscriptionsRouter(deps: SubscriptionsDeps): Router {
  const router = Router();

  router.get('/subscribe', async (req, res) => {
    sendFormPage(
      res,
      200,
      renderSubscribePage(await buildSubscribePage(deps, req.query)),
      FORM_PAGE_CONTENT_SECURITY_POLICY,
    );
  });

  router.post('/subscribe', ...formOrJson, async (req, res) => {
    await subscribe(deps, { ip: clientIp(req), body: req.body as unknown });
    // The same answer whatever the address's state: nothing here tells who is subscribed.
    if (wantsHtml(req)) {
      const site = await buildSiteView(deps);
      sendFormPage(
        res,
        202,
        messagePage(site, {
          heading: 'Check your inbox',
          paragraphs: [
            SUBSCRIBED_MESSAGE,
            'The link works for 48 hours. Nothing arrived? Look in the spam folder, or send the form again.',
          ],
        }),
      );
    } else {
      sendJson(res, 202, { status: 'pending', message: SUBSCRIBED_MESSAGE });
    }
  });
  router.all('/subscribe', methodNotAllowed(['GET', 'POST']));

  router.get('/subscribe/confirm', async (req, res) => {
    const links = await confirm(deps, req.query.token);
    if (!wantsHtml(req)) {
      sendJson(res, 200, {
        status: 'active',
        preferences_url: links.preferencesUrl,
        unsubscribe_url: links.unsubscribeUrl,
      });
      return;
    }
    const site = await buildSiteView(deps);
    sendFormPage(
      res,
      200,
      messagePage(site, {
        heading: 'You are subscribed',
        paragraphs: [
          `Thank you: ${site.title} will come to your inbox as you chose. Every email has links to change your choices or unsubscribe.`,
        ],
        links: [
          { title: 'Change frequency, topics or delivery time', url: links.preferencesUrl },
          { title: 'Go to the latest posts', url: site.homeUrl },
        ],
      }),
    );
  });
  router.all('/subscribe/confirm', methodNotAllowed(['GET']));

  router.get('/preferences', async (req, res) => {
    const result = await readPreferences(deps, req.query.token);
    if (wantsHtml(req)) sendFormPage(res, 200, renderPreferencesPage(result.view), FORM_PAGE_CONTENT_SECURITY_POLICY);
    else sendJson(res, 200, result.body);
  });

  router.post('/preferences', ...formOrJson, async (req, res) => {
    // A form leaves out unticked boxes: no `paused` means not paused, no `topics` means every topic.
    const body: unknown =
      req.is('application/x-www-form-urlencoded') && typeof req.body === 'object' && req.body !== null
        ? { paused: 'false', topics: [], ...(req.body as Record<string, unknown>) }
        : req.body;
    const result = await savePreferences(deps, { queryToken: req.query.token, body });
    if (wantsHtml(req)) sendFormPage(res, 200, renderPreferencesPage(result.view), FORM_PAGE_CONTENT_SECURITY_POLICY);
    else sendJson(res, 200, result.body);
  });
  router.all('/preferences', methodNotAllowed(['GET', 'POST']));

  router.get('/unsubscribe', async (req, res) => {
    const { alreadyUnsubscribed } = await checkUnsubscribeLink(deps, req.query.token);
    if (!wantsHtml(req)) {
      sendJson(res, 200, { status: alreadyUnsubscribed ? 'unsubscribed' : 'subscribed' });
      return;
    }
    const site = await buildSiteView(deps);
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    sendFormPage(
      res,
      200,
      messagePage(
        site,
        alreadyUnsubscribed
          ? {
              heading: 'You are unsubscribed',
              paragraphs: ['This address receives no emails from us.'],
              links: [{ title: 'Subscribe again', url: `${site.homeUrl}subscribe` }],
            }
          : {
              heading: 'Unsubscribe',
              paragraphs: [`Stop all emails from ${site.title} to this address. It takes effect at once.`],
              form: { action: `/unsubscribe?token=${encodeURIComponent(token)}`, button: 'Unsubscribe' },
            },
      ),
    );
  });

  // RFC 8058 one-click: no cookie, no CSRF token; the signed link is the credential.
  router.post('/unsubscribe', anyBody, async (req, res) => {
    await unsubscribe(deps, req.query.token);
    if (!wantsHtml(req)) {
      sendJson(res, 200, { status: 'unsubscribed' });
      return;
    }
    const site = await buildSiteView(deps);
    sendFormPage(
      res,
      200,
      messagePage(site, {
        heading: 'You are unsubscribed',
        paragraphs: [
          'You will receive no more emails from us. Changed your mind? You can subscribe again at any time.',
        ],
        links: [{ title: 'Subscribe again', url: `${site.homeUrl}subscribe` }],
      }),
    );
  });
  router.all('/unsubscribe', methodNotAllowed(['GET', 'POST']));

  router.use(subscriptionErrors(deps));
  return router;
}
