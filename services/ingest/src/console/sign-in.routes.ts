import express, { type Request, type Response } from 'express';
import { attr, text } from '@careerfeed/core';
import {
  type SignInLinkState,
  SIGN_IN_LINK_TTL_MS,
  buildSignInMailMessage,
  inspectSignInLink,
  normalizeStaffEmail,
  redeemSignInLink,
  requestSignInLink,
} from '@careerfeed/staff';
import { requestIdOf } from '@careerfeed/http';
import { readSite } from '@careerfeed/posts';
import { type ConsoleDeps, sendPublicConsolePage } from './console-context';
import { setSessionCookies } from './session-cookie';
import type { SignInRateLimits } from './sign-in-rate-limits';

const LINK_MINUTES = SIGN_IN_LINK_TTL_MS / 60_000;

function emailForm(heading: string, intro: string, email = ''): string {
  return [
    `<h1>${text(heading)}</h1>`,
    `<p>${text(intro)}</p>`,
    '<form method="post" action="/console/sign-in">',
    '<div class="field"><label for="email">Your work email</label>',
    `<input id="email" name="email" type="email" autocomplete="email" required value="${attr(email)}"></div>`,
    '<button type="submit">Email me a sign-in link</button>',
    '</form>',
  ].join('\n');
}

const LINK_PROBLEMS: Record<
  Exclude<SignInLinkState['state'], 'valid'>,
  { status: number; heading: string; message: string }
> = {
  expired: {
    status: 410,
    heading: 'This sign-in link has expired',
    message: `Sign-in links work for ${LINK_MINUTES} minutes. Ask for a new one below; it arrives by mail in a moment.`,
  },
  used: {
    status: 410,
    heading: 'This sign-in link was already used',
    message: 'Each link signs in once. If that was not you, tell an admin. Ask for a new link below.',
  },
  unknown: {
    status: 404,
    heading: 'This sign-in link is not valid',
    message: 'The link may have been cut short by your mail program. Ask for a new one below.',
  },
  disabled: {
    status: 403,
    heading: 'This account is disabled',
    message: 'An admin disabled this staff account. Ask an admin of the console to enable it again.',
  },
};

/** Sign-in pages: reachable without a session, so they carry no CSRF token (see docs/console.md). */
export function signInRouter(deps: ConsoleDeps, limits: SignInRateLimits): express.Router {
  const router = express.Router();
  const siteTitle = async () => (await readSite(deps.db.kysely)).title;

  router.get('/sign-in', async (_req, res) => {
    sendPublicConsolePage(res, await siteTitle(), {
      title: 'Sign in',
      main: emailForm(
        'Sign in to the console',
        'Staff of the career center sign in with a link sent by email: no password to remember.',
      ),
    });
  });

  router.post('/sign-in', async (req, res) => {
    const title = await siteTitle();
    const raw = typeof req.body?.email === 'string' ? (req.body.email as string) : '';
    let email: { email: string; emailKey: string };
    try {
      email = normalizeStaffEmail(raw);
    } catch {
      sendPublicConsolePage(res, title, {
        status: 400,
        title: 'Sign in',
        main: `<p class="errors" role="alert">Enter an email address such as name@university.edu.</p>${emailForm('Sign in to the console', 'We send a sign-in link to your work email.', raw.slice(0, 254))}`,
      });
      return;
    }
    const client = await limits.consumeClient(req.ip ?? 'unknown');
    const decision = client.allowed ? await limits.consumeAddress(email.emailKey) : client;
    if (!decision.allowed) {
      const retry = 'retryAfterSeconds' in decision ? decision.retryAfterSeconds : 60;
      res.setHeader('Retry-After', String(retry));
      sendPublicConsolePage(res, title, {
        status: 'unavailable' in decision ? 503 : 429,
        title: 'Too many sign-in requests',
        main: `<h1>Too many sign-in requests</h1><p>Wait ${text(String(Math.ceil(retry / 60)))} minute(s), then ask again. A link sent earlier still works for ${LINK_MINUTES} minutes.</p>`,
      });
      return;
    }
    const now = deps.now();
    const issued = await requestSignInLink(deps.db, email.email, now);
    if (issued) {
      try {
        await deps.mailer.send(
          buildSignInMailMessage({
            consoleUrl: deps.consoleUrl,
            siteTitle: title,
            from: deps.mailFrom,
            to: issued.member.email,
            name: issued.member.name,
            token: issued.token,
            invited: false,
            now,
            expiresInMinutes: LINK_MINUTES,
          }),
        );
      } catch (error) {
        // Same answer as for an unknown address (the page must not tell which addresses are staff);
        // the operator sees the failure here.
        deps.logger.error({ err: error, requestId: requestIdOf(req) }, 'console sign-in mail could not be sent');
      }
    }
    sendPublicConsolePage(res, title, {
      title: 'Check your email',
      main: [
        '<h1>Check your email</h1>',
        `<p>If ${text(email.email)} belongs to a staff account, a sign-in link is on its way. It works once, for ${LINK_MINUTES} minutes.</p>`,
        '<p>Nothing after a few minutes? Check the spam folder, or <a href="/console/sign-in">ask again</a>.</p>',
      ].join('\n'),
    });
  });

  const linkProblem = async (res: Response, state: Exclude<SignInLinkState['state'], 'valid'>) => {
    const problem = LINK_PROBLEMS[state];
    sendPublicConsolePage(res, await siteTitle(), {
      status: problem.status,
      title: problem.heading,
      main:
        state === 'disabled'
          ? `<h1>${text(problem.heading)}</h1><p>${text(problem.message)}</p>`
          : emailForm(problem.heading, problem.message),
    });
  };

  const tokenOf = (req: Request): string => {
    const value = req.method === 'GET' ? req.query.token : (req.body as { token?: unknown } | undefined)?.token;
    return typeof value === 'string' ? value : '';
  };

  // Opening the link shows a button rather than signing in: mail scanners that fetch every link
  // would otherwise use up the one-time link before its owner clicks it.
  router.get('/sign-in/link', async (req, res) => {
    const token = tokenOf(req);
    const state = await inspectSignInLink(deps.db, token, deps.now());
    if (state.state !== 'valid') {
      await linkProblem(res, state.state);
      return;
    }
    sendPublicConsolePage(res, await siteTitle(), {
      title: 'Sign in',
      main: [
        '<h1>Sign in to the console</h1>',
        `<p>You are signing in as <strong>${text(state.member.name)}</strong> (${text(state.member.email)}).</p>`,
        '<form method="post" action="/console/sign-in/link">',
        `<input type="hidden" name="token" value="${attr(token)}">`,
        '<button type="submit">Sign in</button>',
        '</form>',
      ].join('\n'),
    });
  });

  router.post('/sign-in/link', async (req, res) => {
    const result = await redeemSignInLink(deps.db, {
      token: tokenOf(req),
      userAgent: req.get('user-agent') ?? null,
      requestId: requestIdOf(req),
      now: deps.now(),
    });
    if (result.state !== 'signed-in') {
      await linkProblem(res, result.state);
      return;
    }
    setSessionCookies(req, res, deps.consoleUrl, result.sessionToken);
    res.redirect(303, '/console/');
  });

  return router;
}
