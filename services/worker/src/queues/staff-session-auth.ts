import type { RequestHandler } from 'express';
import type { Db } from '@careerfeed/db';
import { STAFF_SESSION_COOKIE, findStaffSession, parseCookieHeader } from '@careerfeed/staff';

/**
 * Lets an admin's console session open the queue dashboard: a valid, unexpired session of an
 * enabled admin passes; anything else falls through to `otherwise` (the admin Bearer key). A
 * state-changing request (Bull Board's retry, clean…) authenticated by the cookie must also come
 * from the dashboard's own origin: SameSite=Lax already keeps the cookie off cross-site POSTs, and
 * the Origin check covers other sites on the same host name.
 */
export function staffSessionOr(db: Db, otherwise: RequestHandler, now: () => Date = () => new Date()): RequestHandler {
  // `otherwise` may be async (express 5 style): its rejection must reach the error handler.
  const fallBack: RequestHandler = (req, res, next) => {
    Promise.resolve(otherwise(req, res, next) as unknown).catch(next);
  };
  return (req, res, next) => {
    const token = parseCookieHeader(req.headers.cookie)[STAFF_SESSION_COOKIE];
    if (!token || req.headers.authorization) {
      fallBack(req, res, next);
      return;
    }
    findStaffSession(db, token, now()).then(
      (session) => {
        const sameOrigin =
          req.method === 'GET' ||
          req.method === 'HEAD' ||
          (typeof req.headers.origin === 'string' &&
            URL.canParse(req.headers.origin) &&
            new URL(req.headers.origin).host === req.headers.host);
        if (session && session.member.role === 'admin' && sameOrigin) next();
        else fallBack(req, res, next);
      },
      (error: unknown) => next(error),
    );
  };
}
