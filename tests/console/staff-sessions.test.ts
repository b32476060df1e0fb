import {
  CLI_ACTOR,
  SESSION_IDLE_TIMEOUT_MS,
  SESSION_MAX_AGE_MS,
  changeStaffRole,
  findStaffSession,
  inviteStaff,
  redeemSignInLink,
  setStaffDisabled,
} from '@careerfeed/staff';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';

describe.each(DIALECTS)('staff sessions and accounts (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function signedIn(email: string, role: 'editor' | 'admin', at: Date) {
    const { member, token } = await inviteStaff(database.db, { email, role, actor: CLI_ACTOR, now: at });
    const result = await redeemSignInLink(database.db, { token, userAgent: 'test', requestId: null, now: at });
    if (result.state !== 'signed-in') throw new Error(result.state);
    return { member, cookie: result.sessionToken };
  }

  test('when a session is unused for longer than the idle timeout, then it no longer opens the console', async () => {
    const t0 = new Date('2030-01-01T08:00:00Z');
    const { cookie } = await signedIn('idle@careers.test.example', 'editor', t0);
    expect(
      await findStaffSession(database.db, cookie, new Date(t0.getTime() + SESSION_IDLE_TIMEOUT_MS - 60_000)),
    ).not.toBeNull();
    // That use moved the idle window: a day after it, still fine… until a full idle period passes.
    const used = t0.getTime() + SESSION_IDLE_TIMEOUT_MS - 60_000;
    expect(
      await findStaffSession(database.db, cookie, new Date(used + SESSION_IDLE_TIMEOUT_MS - 60_000)),
    ).not.toBeNull();
    const last = used + SESSION_IDLE_TIMEOUT_MS - 60_000;
    expect(await findStaffSession(database.db, cookie, new Date(last + SESSION_IDLE_TIMEOUT_MS + 1))).toBeNull();
  });

  test('when a session is used every hour, then it still ends at its absolute expiry', async () => {
    const t0 = new Date('2030-02-01T08:00:00Z');
    const { cookie } = await signedIn('busy@careers.test.example', 'editor', t0);
    for (let at = t0.getTime(); at < t0.getTime() + SESSION_MAX_AGE_MS - 3_600_000; at += 12 * 3_600_000) {
      expect(await findStaffSession(database.db, cookie, new Date(at))).not.toBeNull();
    }
    expect(await findStaffSession(database.db, cookie, new Date(t0.getTime() + SESSION_MAX_AGE_MS))).toBeNull();
  });

  test('when a role changes, then the open session sees the new role at once', async () => {
    const now = new Date();
    await signedIn('boss@careers.test.example', 'admin', now);
    const { member, cookie } = await signedIn('promoted@careers.test.example', 'editor', now);
    await changeStaffRole(database.db, member.id, 'admin', CLI_ACTOR, now);
    expect((await findStaffSession(database.db, cookie, now))?.member.role).toBe('admin');
  });

  test('when the only enabled admin would be demoted or disabled, then it is refused with 409', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      const now = new Date();
      const { member } = await inviteStaff(fresh.db, {
        email: 'only@careers.test.example',
        role: 'admin',
        actor: CLI_ACTOR,
        now,
      });
      await expect(changeStaffRole(fresh.db, member.id, 'editor', CLI_ACTOR, now)).rejects.toMatchObject({
        status: 409,
      });
      await expect(setStaffDisabled(fresh.db, member.id, true, CLI_ACTOR, now)).rejects.toMatchObject({ status: 409 });
      const row = await fresh.db.kysely.selectFrom('staff_accounts').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ role: 'admin', disabled_at: null });
    } finally {
      await fresh.drop();
    }
  });
});
