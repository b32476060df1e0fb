import type {
  Database,
  Kysely,
  StaffAccountRow,
  StaffAuditLogRow,
  StaffRole,
  StaffSessionRow,
  StaffSignInLinkRow,
} from '@careerfeed/db';

type Executor = Kysely<Database>;

export async function insertStaffAccount(db: Executor, row: StaffAccountRow): Promise<void> {
  await db.insertInto('staff_accounts').values(row).execute();
}

export function findStaffById(db: Executor, id: string): Promise<StaffAccountRow | undefined> {
  return db.selectFrom('staff_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findStaffByEmailKey(db: Executor, emailKey: string): Promise<StaffAccountRow | undefined> {
  return db.selectFrom('staff_accounts').selectAll().where('email_key', '=', emailKey).executeTakeFirst();
}

export function listStaffAccounts(db: Executor): Promise<StaffAccountRow[]> {
  return db.selectFrom('staff_accounts').selectAll().orderBy('email_key').execute();
}

export async function countActiveAdmins(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('staff_accounts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateStaffAccount(
  db: Executor,
  id: string,
  changes: { role?: StaffRole; disabled_at?: string | null; last_sign_in_at?: string; updated_at?: string },
): Promise<void> {
  await db.updateTable('staff_accounts').set(changes).where('id', '=', id).execute();
}

export async function insertSignInLink(db: Executor, row: StaffSignInLinkRow): Promise<void> {
  await db.insertInto('staff_sign_in_links').values(row).execute();
}

export function findSignInLink(db: Executor, tokenHash: string): Promise<StaffSignInLinkRow | undefined> {
  return db.selectFrom('staff_sign_in_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks the link used unless it already was; true when this call used it (one winner under races). */
export async function useSignInLink(db: Executor, tokenHash: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('staff_sign_in_links')
    .set({ used_at: at })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Links expired for a day are of no use, not even to explain "expired": they go. */
export async function deleteSignInLinksExpiredBefore(db: Executor, before: string): Promise<void> {
  await db.deleteFrom('staff_sign_in_links').where('expires_at', '<', before).execute();
}

export async function insertSession(db: Executor, row: StaffSessionRow): Promise<void> {
  await db.insertInto('staff_sessions').values(row).execute();
}

export function findSessionByTokenHash(db: Executor, tokenHash: string): Promise<StaffSessionRow | undefined> {
  return db.selectFrom('staff_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function touchSession(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('staff_sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function revokeSessionById(db: Executor, id: string, at: string): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeSessionsOfStaff(db: Executor, staffId: string, at: string): Promise<number> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: at })
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export function listOpenSessionsOfStaff(db: Executor, staffId: string, now: string): Promise<StaffSessionRow[]> {
  return db
    .selectFrom('staff_sessions')
    .selectAll()
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

export async function insertAuditEntry(
  db: Executor,
  row: Omit<StaffAuditLogRow, 'details'> & { details: string },
): Promise<void> {
  await db.insertInto('staff_audit_log').values(row).execute();
}

export function listAuditEntries(db: Executor, limit: number): Promise<StaffAuditLogRow[]> {
  return db.selectFrom('staff_audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** Ends one session of this staff member (another's id changes nothing); true when one was open. */
export async function revokeSessionOfStaff(
  db: Executor,
  staffId: string,
  sessionId: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: at })
    .where('id', '=', sessionId)
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
