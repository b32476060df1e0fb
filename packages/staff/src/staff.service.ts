import { AppError } from '@careerfeed/core';
import { type Db, type StaffAccountRow, type StaffRole, uuidv7 } from '@careerfeed/db';
import { z } from 'zod';
import * as repo from './staff.repository';
import { generateSecretToken, hashSecretToken } from './tokens';

/** How long a mailed sign-in link works: long enough to switch to the mail app, short enough to be useless in an old inbox. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
/** A session ends this long after sign-in whatever happens (staff sign in again through a mailed link). */
export const SESSION_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** …or after this long without a request. */
export const SESSION_IDLE_TIMEOUT_MS = 24 * 3_600_000;
/** `last_seen_at` is written at most this often, not on every request. */
const SESSION_TOUCH_INTERVAL_MS = 60_000;

export interface StaffMember {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

export function staffRowToMember(row: StaffAccountRow): StaffMember {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
  };
}

/** Who did something, for the audit log: a signed-in staff member, or the operator at the CLI. */
export interface Actor {
  staffId: string | null;
  email: string | null;
  requestId?: string | null;
}

export const CLI_ACTOR: Actor = { staffId: null, email: 'cli' };

const emailSchema = z.email({ message: 'must be an email address' }).max(254);

export function normalizeStaffEmail(value: string): { email: string; emailKey: string } {
  const email = value.trim();
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'Enter an email address such as name@university.edu',
      errors: [{ path: 'email', message: 'must be an email address' }],
    });
  }
  return { email, emailKey: email.toLowerCase() };
}

export async function recordAudit(
  db: Db,
  entry: { actor: Actor; action: string; target?: string | null; details?: Record<string, unknown>; now: Date },
): Promise<void> {
  await repo.insertAuditEntry(db.kysely, {
    id: uuidv7(entry.now.getTime()),
    actor_id: entry.actor.staffId,
    actor_email: entry.actor.email,
    action: entry.action,
    target: entry.target ?? null,
    details: JSON.stringify(entry.details ?? {}),
    request_id: entry.actor.requestId ?? null,
    created_at: entry.now.toISOString(),
  });
}

async function issueSignInLink(db: Db, staffId: string, now: Date): Promise<string> {
  const token = generateSecretToken();
  await repo.insertSignInLink(db.kysely, {
    token_hash: hashSecretToken(token),
    staff_id: staffId,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + SIGN_IN_LINK_TTL_MS).toISOString(),
    used_at: null,
  });
  await repo.deleteSignInLinksExpiredBefore(db.kysely, new Date(now.getTime() - 86_400_000).toISOString());
  return token;
}

/** Creates the account and its first sign-in link (the token is for the mail, never stored). */
export async function inviteStaff(
  db: Db,
  input: { email: string; name?: string; role: StaffRole; actor: Actor; now: Date },
): Promise<{ member: StaffMember; token: string }> {
  const { email, emailKey } = normalizeStaffEmail(input.email);
  if (await repo.findStaffByEmailKey(db.kysely, emailKey)) {
    throw new AppError({ code: 'CONFLICT', status: 409, detail: `${email} already has a staff account` });
  }
  const at = input.now.toISOString();
  const name = input.name?.trim() || email.slice(0, email.indexOf('@'));
  const row: StaffAccountRow = {
    id: uuidv7(input.now.getTime()),
    email,
    email_key: emailKey,
    name: name.slice(0, 200),
    role: input.role,
    disabled_at: null,
    created_at: at,
    updated_at: at,
    last_sign_in_at: null,
  };
  await repo.insertStaffAccount(db.kysely, row);
  const token = await issueSignInLink(db, row.id, input.now);
  await recordAudit(db, {
    actor: input.actor,
    action: 'staff.invited',
    target: `staff:${row.id}`,
    details: { email, role: input.role },
    now: input.now,
  });
  return { member: staffRowToMember(row), token };
}

/**
 * A new sign-in link for an address, or null when it has no account that may sign in. The caller
 * answers the same either way, so the page tells nobody which addresses are staff.
 */
export async function requestSignInLink(
  db: Db,
  emailInput: string,
  now: Date,
): Promise<{ member: StaffMember; token: string } | null> {
  const { emailKey } = normalizeStaffEmail(emailInput);
  const row = await repo.findStaffByEmailKey(db.kysely, emailKey);
  if (!row || row.disabled_at !== null) return null;
  return { member: staffRowToMember(row), token: await issueSignInLink(db, row.id, now) };
}

export type SignInLinkState =
  { state: 'valid'; member: StaffMember } | { state: 'expired' | 'used' | 'unknown' | 'disabled' };

/** What a link would do if redeemed now, without redeeming it (the page before the button). */
export async function inspectSignInLink(db: Db, token: string, now: Date): Promise<SignInLinkState> {
  if (token.length === 0 || token.length > 100) return { state: 'unknown' };
  const link = await repo.findSignInLink(db.kysely, hashSecretToken(token));
  if (!link) return { state: 'unknown' };
  if (link.used_at !== null) return { state: 'used' };
  if (link.expires_at <= now.toISOString()) return { state: 'expired' };
  const row = await repo.findStaffById(db.kysely, link.staff_id);
  if (!row || row.disabled_at !== null) return { state: 'disabled' };
  return { state: 'valid', member: staffRowToMember(row) };
}

export type RedeemResult =
  | { state: 'signed-in'; member: StaffMember; sessionToken: string; sessionId: string }
  | { state: 'expired' | 'used' | 'unknown' | 'disabled' };

/** Uses the link (once: of two concurrent redemptions one wins) and opens a session. */
export async function redeemSignInLink(
  db: Db,
  input: { token: string; userAgent: string | null; requestId: string | null; now: Date },
): Promise<RedeemResult> {
  const inspected = await inspectSignInLink(db, input.token, input.now);
  if (inspected.state !== 'valid') return inspected;
  const at = input.now.toISOString();
  if (!(await repo.useSignInLink(db.kysely, hashSecretToken(input.token), at))) {
    return (await inspectSignInLink(db, input.token, input.now)) as RedeemResult;
  }
  const sessionToken = generateSecretToken();
  const sessionId = uuidv7(input.now.getTime());
  await repo.insertSession(db.kysely, {
    id: sessionId,
    token_hash: hashSecretToken(sessionToken),
    staff_id: inspected.member.id,
    created_at: at,
    expires_at: new Date(input.now.getTime() + SESSION_MAX_AGE_MS).toISOString(),
    last_seen_at: at,
    revoked_at: null,
    user_agent: input.userAgent ? input.userAgent.slice(0, 300) : null,
  });
  await repo.updateStaffAccount(db.kysely, inspected.member.id, { last_sign_in_at: at });
  await recordAudit(db, {
    actor: { staffId: inspected.member.id, email: inspected.member.email, requestId: input.requestId },
    action: 'session.signed-in',
    target: `session:${sessionId}`,
    now: input.now,
  });
  return { state: 'signed-in', member: inspected.member, sessionToken, sessionId };
}

export interface StaffSession {
  sessionId: string;
  member: StaffMember;
  expiresAt: string;
}

/**
 * The session a cookie value opens now, or null: unknown, revoked, past its absolute expiry, idle
 * for too long, or its account disabled. Roles are read fresh on every request, so a demotion
 * takes effect at once.
 */
export async function findStaffSession(db: Db, sessionToken: string, now: Date): Promise<StaffSession | null> {
  if (sessionToken.length === 0 || sessionToken.length > 100) return null;
  const session = await repo.findSessionByTokenHash(db.kysely, hashSecretToken(sessionToken));
  if (!session || session.revoked_at !== null) return null;
  const nowMs = now.getTime();
  if (Date.parse(session.expires_at) <= nowMs) return null;
  if (Date.parse(session.last_seen_at) + SESSION_IDLE_TIMEOUT_MS <= nowMs) return null;
  const row = await repo.findStaffById(db.kysely, session.staff_id);
  if (!row || row.disabled_at !== null) return null;
  if (nowMs - Date.parse(session.last_seen_at) >= SESSION_TOUCH_INTERVAL_MS) {
    await repo.touchSession(db.kysely, session.id, now.toISOString());
  }
  return { sessionId: session.id, member: staffRowToMember(row), expiresAt: session.expires_at };
}

export async function signOut(db: Db, session: StaffSession, actor: Actor, now: Date): Promise<void> {
  await repo.revokeSessionById(db.kysely, session.sessionId, now.toISOString());
  await recordAudit(db, { actor, action: 'session.signed-out', target: `session:${session.sessionId}`, now });
}

/** Signs one of your other browsers out (from "Your account"). */
export async function revokeOwnSession(
  db: Db,
  staffId: string,
  sessionId: string,
  actor: Actor,
  now: Date,
): Promise<boolean> {
  const revoked = await repo.revokeSessionOfStaff(db.kysely, staffId, sessionId, now.toISOString());
  if (revoked) await recordAudit(db, { actor, action: 'session.revoked', target: `session:${sessionId}`, now });
  return revoked;
}

export async function signOutEverywhere(db: Db, staffId: string, actor: Actor, now: Date): Promise<number> {
  const n = await repo.revokeSessionsOfStaff(db.kysely, staffId, now.toISOString());
  await recordAudit(db, {
    actor,
    action: 'session.signed-out-everywhere',
    target: `staff:${staffId}`,
    details: { sessions: n },
    now,
  });
  return n;
}

export async function listStaff(db: Db): Promise<StaffMember[]> {
  return (await repo.listStaffAccounts(db.kysely)).map(staffRowToMember);
}

export async function getStaffMember(db: Db, id: string): Promise<StaffMember> {
  const row = await repo.findStaffById(db.kysely, id);
  if (!row) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No staff member has that id' });
  return staffRowToMember(row);
}

/** Refuses to leave the installation without an enabled admin (nobody could manage staff any more). */
async function assertAnAdminRemains(db: Db, member: StaffMember): Promise<void> {
  if (member.role === 'admin' && !member.disabled && (await repo.countActiveAdmins(db.kysely)) <= 1) {
    throw new AppError({
      code: 'CONFLICT',
      status: 409,
      detail: `${member.email} is the only admin: make someone else an admin first`,
    });
  }
}

export async function changeStaffRole(
  db: Db,
  id: string,
  role: StaffRole,
  actor: Actor,
  now: Date,
): Promise<StaffMember> {
  const member = await getStaffMember(db, id);
  if (member.role === role) return member;
  if (role !== 'admin') await assertAnAdminRemains(db, member);
  await repo.updateStaffAccount(db.kysely, id, { role, updated_at: now.toISOString() });
  await recordAudit(db, {
    actor,
    action: 'staff.role-changed',
    target: `staff:${id}`,
    details: { from: member.role, to: role },
    now,
  });
  return { ...member, role };
}

/** Disabling also ends every session of the account at once. */
export async function setStaffDisabled(
  db: Db,
  id: string,
  disabled: boolean,
  actor: Actor,
  now: Date,
): Promise<StaffMember> {
  const member = await getStaffMember(db, id);
  if (member.disabled === disabled) return member;
  const at = now.toISOString();
  if (disabled) {
    await assertAnAdminRemains(db, member);
    await repo.updateStaffAccount(db.kysely, id, { disabled_at: at, updated_at: at });
    await repo.revokeSessionsOfStaff(db.kysely, id, at);
  } else {
    await repo.updateStaffAccount(db.kysely, id, { disabled_at: null, updated_at: at });
  }
  await recordAudit(db, { actor, action: disabled ? 'staff.disabled' : 'staff.enabled', target: `staff:${id}`, now });
  return { ...member, disabled };
}

export interface AuditEntry {
  id: string;
  actorEmail: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
  createdAt: string;
}

export async function listAudit(db: Db, limit = 100): Promise<AuditEntry[]> {
  const rows = await repo.listAuditEntries(db.kysely, limit);
  return rows.map((row) => ({
    id: row.id,
    actorEmail: row.actor_email,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    requestId: row.request_id,
    createdAt: row.created_at,
  }));
}
