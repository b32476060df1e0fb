import { AppError, emailKeyOf, isPlausibleEmail } from '@careerfeed/core';
import type { Db, SuppressedAddressRow } from '@careerfeed/db';
import * as repo from './suppression.repository';

/**
 * The suppression list: addresses that must never be mailed again (a complaint, a legal request, a
 * role account). It is checked where mail leaves — digests and subscription mails, right before
 * sending — and by POST /subscribe, so it holds whatever a subscription row says.
 */
export function isAddressSuppressed(db: Db, email: string): Promise<boolean> {
  return repo.isSuppressed(db.kysely, emailKeyOf(email.trim()));
}

export async function suppressAddress(
  deps: { db: Db; now?: () => Date },
  input: { email: string; reason: string },
): Promise<{ added: boolean; row: SuppressedAddressRow }> {
  const email = input.email.trim();
  if (email.length > 320 || !isPlausibleEmail(email)) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'Enter one email address, like name@example.edu',
      errors: [{ path: 'email', message: 'must be an email address' }],
    });
  }
  const reason = input.reason.trim().slice(0, 500) || 'added by staff';
  const row: SuppressedAddressRow = {
    email_key: emailKeyOf(email),
    email,
    reason,
    created_at: (deps.now?.() ?? new Date()).toISOString(),
  };
  return { added: await repo.insertSuppression(deps.db.kysely, row), row };
}

export async function unsuppressAddress(db: Db, email: string): Promise<void> {
  if (!(await repo.deleteSuppression(db.kysely, emailKeyOf(email.trim())))) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'That address is not on the suppression list' });
  }
}

export function listSuppressedAddresses(db: Db, page = 1, perPage = 100): Promise<SuppressedAddressRow[]> {
  return repo.listSuppressions(db.kysely, perPage, (page - 1) * perPage);
}
