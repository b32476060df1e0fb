import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import type { Browser, Page } from 'playwright-core';
import supertest from 'supertest';
import type { Db } from '@careerfeed/db';
import { createOutboxMailer } from '@careerfeed/digests';
import type { SignInRateLimits } from '@careerfeed/ingest';
import { CLI_ACTOR, type StaffRole, inviteStaff } from '@careerfeed/staff';
import { type IngestHarness, createIngestHarness } from './ingest';

export interface ConsoleHarness {
  ingest: IngestHarness;
  db: Db;
  dataDir: string;
  consoleUrl: string;
  /** Signs a new staff member in; the agent keeps the session cookie. */
  signIn(input?: { email?: string; role?: StaffRole }): Promise<SignedIn>;
  /** Mails written to DATA_DIR/outbox, parsed by mailparser, oldest first. */
  mails(): Promise<{ to: string; subject: string; text: string }[]>;
  close(): Promise<void>;
}

export interface SignedIn {
  agent: supertest.Agent;
  staffId: string;
  email: string;
  /** The CSRF token of this session, read from a console page as a browser would. */
  csrf: string;
  /** The session cookie value (to present it elsewhere, e.g. to the worker's queue dashboard). */
  sessionCookie: string;
}

let counter = 0;

/** The ingest app with its console, mailing sign-in links as .eml files into a temporary DATA_DIR. */
export function createConsoleHarness(
  db: Db,
  options: {
    consoleUrl?: string;
    now?: () => Date;
    signInLimits?: SignInRateLimits;
    logger?: Logger;
    /** Default true (loopback fixtures); false tests the SSRF guard. */
    allowPrivateNetworks?: boolean;
  } = {},
): ConsoleHarness {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-console-'));
  const consoleUrl = options.consoleUrl ?? 'http://127.0.0.1/console';
  const mailer = createOutboxMailer(path.join(dataDir, 'outbox'));
  const ingest = createIngestHarness(db, undefined, {
    now: options.now,
    logger: options.logger,
    allowPrivateNetworks: options.allowPrivateNetworks,
    console: {
      consoleUrl,
      queueDashboardUrl: 'http://127.0.0.1:9/admin/queues',
      mailer,
      mailFrom: 'Career Center <no-reply@careers.test.example>',
      dataDir,
      redisPrefix: `test-console-${process.pid}-${++counter}-${Date.now()}`,
      signInLimits: options.signInLimits,
    },
  });
  const mails = async () => {
    const dir = path.join(dataDir, 'outbox');
    if (!fs.existsSync(dir)) return [];
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'));
    const parsed = await Promise.all(
      files.map(async (f) => {
        const stat = fs.statSync(path.join(dir, f));
        const mail = await simpleParser(fs.readFileSync(path.join(dir, f)));
        const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
        return { at: stat.mtimeMs, to: to ?? '', subject: mail.subject ?? '', text: mail.text ?? '' };
      }),
    );
    return parsed.sort((a, b) => a.at - b.at).map(({ at: _at, ...rest }) => rest);
  };
  return {
    ingest,
    db,
    dataDir,
    consoleUrl,
    mails,
    async signIn(input = {}) {
      const email = input.email ?? `staff${++counter}-${Date.now()}@careers.test.example`;
      const { member, token } = await inviteStaff(db, {
        email,
        role: input.role ?? 'editor',
        actor: CLI_ACTOR,
        now: new Date(),
      });
      const agent = supertest.agent(ingest.app);
      const redeemed = await agent.post('/console/sign-in/link').type('form').send({ token });
      if (redeemed.status !== 303) throw new Error(`sign-in failed: ${redeemed.status} ${redeemed.text.slice(0, 300)}`);
      const setCookie = ([] as string[]).concat(redeemed.headers['set-cookie'] ?? []);
      const sessionCookie = /cf_staff_session=([^;]+)/.exec(setCookie.join('\n'))?.[1] ?? '';
      const page = await agent.get('/console/account');
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
      if (!csrf) throw new Error(`no CSRF token on the account page (${page.status})`);
      return { agent, staffId: member.id, email, csrf, sessionCookie };
    },
    async close() {
      await ingest.close();
      await mailer.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The sign-in link of a mail's text part. */
export function linkIn(text: string): string {
  const match = /(https?:\/\/\S+\/sign-in\/link\?token=[A-Za-z0-9_%-]+)/.exec(text);
  if (!match) throw new Error(`no sign-in link in:\n${text}`);
  return match[1]!;
}

/** A real 1×1 PNG. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A Chromium page signed in to the console at `origin` as a new staff member of `role`: invited
 * as the CLI does, then through the sign-in link page's button, as a person would.
 */
export async function signedInBrowserPage(
  browser: Browser,
  db: Db,
  origin: string,
  options: { width: number; role: StaffRole },
): Promise<Page> {
  const { token } = await inviteStaff(db, {
    email: `${options.role}-${options.width}-${Date.now()}@careers.test.example`,
    role: options.role,
    actor: CLI_ACTOR,
    now: new Date(),
  });
  const context = await browser.newContext({ viewport: { width: options.width, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${origin}/console/sign-in/link?token=${encodeURIComponent(token)}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}/console/`);
  return page;
}
