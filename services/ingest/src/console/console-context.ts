import type { Queue } from 'bullmq';
import type { Request, Response, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Network, attr } from '@careerfeed/core';
import type { CommentsDeps } from '@careerfeed/comments';
import type { Db } from '@careerfeed/db';
import type { FeedCacheRefresher } from '@careerfeed/jobs';
import type { Mailer } from '@careerfeed/digests';
import { requestIdOf } from '@careerfeed/http';
import type { Actor, StaffMember, StaffRole, StaffSession } from '@careerfeed/staff';
import { type ConsoleNavItem, CONSOLE_CONTENT_SECURITY_POLICY, renderConsoleLayout } from './console-layout';

/** Everything console pages may use; handed to every section's `routes`. */
export interface ConsoleDeps {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  /** The public site (feeds, post pages) — PUBLIC_BASE_URL. */
  publicBaseUrl: string;
  /** Where staff reach the console, e.g. https://careers.example.edu/console (CONSOLE_URL): the base of mailed links. */
  consoleUrl: string;
  /** The worker's Bull Board, linked from the console for admins. */
  queueDashboardUrl: string | undefined;
  mailer: Mailer;
  mailFrom: string;
  /** Uploaded media live under DATA_DIR/media. */
  dataDir: string;
  now: () => Date;
  /** SHARE_NETWORKS and the Mastodon instance's limits, for share previews (defaults: all six, 500/23). */
  share?: { networks: readonly Network[]; mastodon: { maxChars: number; urlLength: number } };
  /** Wakes the outbox relay after a write committed (posts). */
  onEventsWritten?: () => void;
  /** nginx re-fetches the feeds a topic change touched (FEED_CACHE_REFRESH_URL); absent: no refresh. */
  feedCacheRefresher?: FeedCacheRefresher | undefined;
  /** Comment moderation's wiring (mails on approval, feed invalidation), as the API's comments routes get it. */
  comments?: Pick<CommentsDeps, 'mails' | 'announceFeedChanges'>;
  /** The distribution pages' wiring (the same the API's admin routes use); absent: those pages answer 503. */
  distribution?: {
    allowPrivateNetworks: boolean;
    /** The `source-polls` queue ("Poll now"); absent: polls wait for the worker's tick. */
    sourcePolls?: Queue;
    /** The worker's webhook delivery queue (retries of dead letters go onto it). */
    webhookDeliveries: Queue;
    webhookSecretsKey: Buffer;
  };
}

/**
 * A part of the console: its own express Router mounted at `/console<path>`, behind the sign-in
 * and the role guard, with its nav entry. See docs/console.md, "Adding a page".
 */
export interface ConsoleSection {
  /** Mount path under /console, e.g. "/audience". */
  path: string;
  /** Nav label; a section without one is reachable but not in the bar. */
  label?: string;
  /** The least role every route of the section needs (an editor on an admin section gets the 403 page). */
  role: StaffRole;
  routes(deps: ConsoleDeps): Router;
}

/** What a console request knows once the sign-in middleware let it through (`consoleOf(res)`). */
export interface ConsoleRequestContext {
  session: StaffSession;
  staff: StaffMember;
  /** The hidden `csrf_token` value every POST form of this session must carry. */
  csrfToken: string;
  /** For recordAudit: who, and the request id. */
  actor: Actor;
  requestId: string;
  /** The nav, with the current section marked (set by the router). */
  nav: ConsoleNavItem[];
  siteTitle: string;
  /** A message carried over from the previous request (flash cookie). */
  notice?: string;
}

const CONTEXT = 'console';

export function setConsoleContext(res: Response, context: ConsoleRequestContext): void {
  res.locals[CONTEXT] = context;
}

/** The signed-in request's context; only valid inside a section's routes. */
export function consoleOf(res: Response): ConsoleRequestContext {
  const context = res.locals[CONTEXT] as ConsoleRequestContext | undefined;
  if (!context) throw new Error('consoleOf called outside the console sign-in guard');
  return context;
}

/** The hidden field every POST form needs; a form without it gets the 403 page. */
export function csrfField(res: Response): string {
  return `<input type="hidden" name="csrf_token" value="${attr(consoleOf(res).csrfToken)}">`;
}

export const FLASH_COOKIE = 'cf_console_notice';

/** A one-line message shown on the next console page (after a redirect). Plain text. */
export function setNotice(res: Response, message: string): void {
  res.cookie(FLASH_COOKIE, message.slice(0, 300), { path: '/console', httpOnly: true, sameSite: 'lax' });
}

export function setConsoleHeaders(res: Response, styleHashes: readonly string[] = []): void {
  res.setHeader(
    'Content-Security-Policy',
    styleHashes.length
      ? CONSOLE_CONTENT_SECURITY_POLICY.replace(
          "style-src 'self'",
          `style-src 'self' ${styleHashes.map((h) => `'${h}'`).join(' ')}`,
        )
      : CONSOLE_CONTENT_SECURITY_POLICY,
  );
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
}

export interface ConsolePageInput {
  title: string;
  /** `<main>` content: built with text/attr/httpUrl from @careerfeed/core. */
  main: string;
  status?: number;
  head?: string[];
  /** Scripts under /console/assets/ (enhancements only: every form works without them). */
  scripts?: string[];
  /** 'sha256-…' of `<style>` elements a script of the page inserts (e.g. TRIX_STYLE_HASHES). */
  styleHashes?: readonly string[];
}

/** Sends a full console page for the signed-in staff member (nav, sign-out, notice). */
export function sendConsolePage(res: Response, page: ConsolePageInput): void {
  const context = consoleOf(res);
  if (context.notice !== undefined) res.clearCookie(FLASH_COOKIE, { path: '/console' });
  setConsoleHeaders(res, page.styleHashes);
  res
    .status(page.status ?? 200)
    .type('html')
    .send(
      renderConsoleLayout({
        siteTitle: context.siteTitle,
        title: page.title,
        main: page.main,
        nav: context.nav,
        staff: context.staff,
        csrfToken: context.csrfToken,
        notice: context.notice,
        head: page.head,
        scripts: page.scripts,
      }),
    );
}

/** A page outside the signed-in area (sign-in, link problems) or an error page for anyone. */
export function sendPublicConsolePage(res: Response, siteTitle: string, page: ConsolePageInput): void {
  setConsoleHeaders(res);
  const context = res.locals[CONTEXT] as ConsoleRequestContext | undefined;
  res
    .status(page.status ?? 200)
    .type('html')
    .send(
      renderConsoleLayout({
        siteTitle,
        title: page.title,
        main: page.main,
        nav: context?.nav ?? [],
        staff: context?.staff,
        csrfToken: context?.csrfToken,
        scripts: page.scripts,
      }),
    );
}

export function actorOf(req: Request, member: StaffMember): Actor {
  return { staffId: member.id, email: member.email, requestId: requestIdOf(req) };
}
