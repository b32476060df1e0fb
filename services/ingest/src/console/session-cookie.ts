import { STAFF_SESSION_COOKIE, STAFF_SESSION_COOKIE_PATHS } from '@careerfeed/staff';
import type { CookieOptions, Request, Response } from 'express';

export const SESSION_COOKIE = STAFF_SESSION_COOKIE;

/**
 * Secure when staff reach the console over https (CONSOLE_URL is https) or this request came over
 * https (directly, or through a proxy trusted with TRUST_PROXY). A plain-http development setup
 * keeps working; a production one never sends the cookie in clear.
 */
export function sessionCookieOptions(req: Request, consoleUrl: string, path: string): CookieOptions {
  return {
    path,
    httpOnly: true,
    sameSite: 'lax',
    secure: consoleUrl.startsWith('https:') || req.secure,
  };
}

export function setSessionCookies(req: Request, res: Response, consoleUrl: string, token: string): void {
  for (const path of STAFF_SESSION_COOKIE_PATHS)
    res.cookie(SESSION_COOKIE, token, sessionCookieOptions(req, consoleUrl, path));
}

export function clearSessionCookies(req: Request, res: Response, consoleUrl: string): void {
  for (const path of STAFF_SESSION_COOKIE_PATHS)
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req, consoleUrl, path));
}
