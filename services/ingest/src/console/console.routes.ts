import path from 'node:path';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '@careerfeed/core';
import { fromDatabaseOutage, requestIdOf } from '@careerfeed/http';
import { readSite } from '@careerfeed/posts';
import { csrfTokenFor, csrfTokenMatches, findStaffSession, parseCookieHeader, roleAllows } from '@careerfeed/staff';
import {
  type ConsoleDeps,
  type ConsoleSection,
  FLASH_COOKIE,
  actorOf,
  consoleOf,
  setConsoleContext,
} from './console-context';
import { CONSOLE_SECTIONS } from './console-sections';
import { CSRF_REJECTED, FORBIDDEN_FOR_ROLE, sendConsoleError } from './console-pages';
import { accountRouter } from './account/account.routes';
import { SESSION_COOKIE } from './session-cookie';
import { signInRouter } from './sign-in.routes';
import { type SignInRateLimits, createSignInRateLimits } from './sign-in-rate-limits';

/** Scripts and styles of the console, outside src/ so the same path serves from sources and from dist/. */
export const CONSOLE_ASSETS_DIR = path.resolve(__dirname, '../../console-assets');

/** Body size of console forms (a long post body); uploads have their own limit. */
const FORM_BODY_LIMIT = '2mb';

function cookiesOf(req: Request): Record<string, string | undefined> {
  return parseCookieHeader(req.headers.cookie);
}

/** `/console/posts?page=2` → the current section's nav item is the longest matching path. */
function navFor(sections: readonly ConsoleSection[], role: ConsoleSection['role'], pathname: string) {
  const visible = sections.filter((s) => s.label !== undefined && roleAllows(role, s.role));
  const current = visible
    .filter((s) => (s.path === '/' ? pathname === '/' : pathname === s.path || pathname.startsWith(`${s.path}/`)))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return visible.map((s) => ({
    href: s.path === '/' ? '/console/' : `/console${s.path}`,
    label: s.label!,
    current: s === current,
  }));
}

/**
 * The staff console, mounted at /console by the ingest app: sign-in pages, then — for every other
 * path — the session guard, the CSRF check of POSTs and each section behind its role guard.
 */
export function consoleRouter(
  deps: ConsoleDeps,
  options: { sections?: readonly ConsoleSection[]; signInLimits?: SignInRateLimits } = {},
): express.Router {
  const sections = options.sections ?? CONSOLE_SECTIONS;
  const router = express.Router();
  const siteTitle = async () => (await readSite(deps.db.kysely)).title;

  // The rich-text editor, served from the service (no CDN): Trix as published on npm.
  const trixDir = path.join(path.dirname(require.resolve('trix/package.json')), 'dist');
  router.get('/assets/vendor/trix.js', (_req, res) =>
    res.sendFile(path.join(trixDir, 'trix.umd.min.js'), { maxAge: '1h' }),
  );
  router.get('/assets/vendor/trix.css', (_req, res) => res.sendFile(path.join(trixDir, 'trix.css'), { maxAge: '1h' }));
  router.use('/assets', express.static(CONSOLE_ASSETS_DIR, { index: false, maxAge: '1h', fallthrough: false }));
  router.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 2000 }));
  router.use(signInRouter(deps, options.signInLimits ?? createSignInRateLimits(deps.redis, deps.redisPrefix)));

  // Everything below needs a session.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const cookies = cookiesOf(req);
    const token = cookies[SESSION_COOKIE];
    const session = token ? await findStaffSession(deps.db, token, deps.now()) : null;
    if (!session || !token) {
      if (req.method === 'GET' || req.method === 'HEAD') res.redirect(303, '/console/sign-in');
      else
        sendConsoleError(res, await siteTitle(), {
          status: 401,
          heading: 'Your session has ended',
          message: 'Sign in again, then send the form again.',
        });
      return;
    }
    if (req.method === 'POST') {
      // Multipart forms (uploads) carry the token in the action URL: their body is read later.
      const given = (req.body as { csrf_token?: unknown } | undefined)?.csrf_token ?? req.query.csrf_token;
      if (!csrfTokenMatches(token, given)) {
        sendConsoleError(res, await siteTitle(), CSRF_REJECTED);
        return;
      }
    }
    setConsoleContext(res, {
      session,
      staff: session.member,
      csrfToken: csrfTokenFor(token),
      actor: actorOf(req, session.member),
      requestId: requestIdOf(req),
      nav: navFor(sections, session.member.role, req.path),
      siteTitle: await siteTitle(),
      notice: cookies[FLASH_COOKIE],
    });
    next();
  });

  router.use(accountRouter(deps));

  for (const section of sections) {
    const guard = async (_req: Request, res: Response, next: NextFunction) => {
      if (roleAllows(consoleOf(res).staff.role, section.role)) next();
      else sendConsoleError(res, consoleOf(res).siteTitle, FORBIDDEN_FOR_ROLE);
    };
    router.use(section.path, guard, section.routes(deps));
  }

  router.use((_req: Request, res: Response) => {
    sendConsoleError(res, consoleOf(res).siteTitle, {
      status: 404,
      heading: 'Page not found',
      message: 'There is no console page at this address.',
    });
  });

  const errors: ErrorRequestHandler = async (error: unknown, req, res, _next) => {
    const title = await siteTitle().catch(() => 'careerfeed');
    const outage = fromDatabaseOutage(error);
    const known = error instanceof AppError ? error : outage;
    if (known && known.status < 500) {
      sendConsoleError(res, title, { status: known.status, heading: known.title, message: known.message });
      return;
    }
    if (known) {
      if (known.retryAfterSeconds) res.setHeader('Retry-After', String(known.retryAfterSeconds));
      sendConsoleError(res, title, {
        status: known.status,
        heading: 'Temporarily unavailable',
        message: 'The console cannot reach its database for a moment. Try again in a few seconds.',
      });
      return;
    }
    const status =
      (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Body parser refusals: too large, malformed.
      sendConsoleError(res, title, {
        status,
        heading: status === 413 ? 'That was too much to send' : 'The form could not be read',
        message:
          status === 413
            ? 'The form is larger than the console accepts. Shorten it and try again.'
            : 'Go back, reload the page and send it again.',
      });
      return;
    }
    deps.logger.error({ err: error, requestId: requestIdOf(req) }, 'console request failed');
    sendConsoleError(res, title, {
      status: 500,
      heading: 'Something went wrong',
      message: `The console could not finish this request. Try again; if it keeps failing, give an admin this reference: ${requestIdOf(req)}.`,
    });
  };
  router.use(errors);
  return router;
}
