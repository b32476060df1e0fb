import type { Config } from '@careerfeed/config';
import { AppError } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import { createMailer } from '@careerfeed/digests';
import { readSite } from '@careerfeed/posts';
import {
  CLI_ACTOR,
  SIGN_IN_LINK_TTL_MS,
  type StaffRole,
  buildSignInMailMessage,
  inviteStaff,
  listStaff,
  signInLinkUrl,
} from '@careerfeed/staff';

export type InviteOutcome =
  | { email: string; role: StaffRole; link: string; mailed: true }
  | { email: string; role: StaffRole; link: string; mailed: false; mailError: string }
  | { problem: string };

/** `staff invite`: the account, its first sign-in link by mail (SMTP_URL or the .eml outbox), and the link. */
export async function inviteFromCli(
  config: Config,
  db: Db,
  input: { email: string; role: StaffRole; name?: string },
): Promise<InviteOutcome> {
  const now = new Date();
  let invited;
  try {
    invited = await inviteStaff(db, { ...input, actor: CLI_ACTOR, now });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { problem: error.message };
    throw error;
  }
  const link = signInLinkUrl(config.consoleUrl, invited.token);
  const site = await readSite(db.kysely);
  const mailer = await createMailer(
    { smtpUrl: config.smtpUrl, dataDir: config.dataDir, dkim: config.dkim },
    { maxConnections: 1 },
  );
  try {
    await mailer.send(
      buildSignInMailMessage({
        consoleUrl: config.consoleUrl,
        siteTitle: site.title,
        from: config.mailFrom,
        to: invited.member.email,
        name: invited.member.name,
        token: invited.token,
        invited: true,
        now,
        expiresInMinutes: SIGN_IN_LINK_TTL_MS / 60_000,
      }),
    );
    return { email: invited.member.email, role: invited.member.role, link, mailed: true };
  } catch (error) {
    return {
      email: invited.member.email,
      role: invited.member.role,
      link,
      mailed: false,
      mailError: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await mailer.close();
  }
}

export async function listFromCli(db: Db): Promise<string[]> {
  const members = await listStaff(db);
  if (members.length === 0) return ['no staff accounts yet: npm run cli -- staff invite --email ADDR --role admin'];
  return members.map(
    (m) => `${m.id}  ${m.email}  ${m.role}${m.disabled ? '  DISABLED' : ''}  last sign-in ${m.lastSignInAt ?? 'never'}`,
  );
}
