import type { StaffRole } from '@careerfeed/db';

export type { StaffRole };
export const STAFF_ROLES: readonly StaffRole[] = ['editor', 'admin'];

/**
 * Editors run the blog (posts, authors, topics, comments); admins also run the installation
 * (subscribers, webhooks, sources, API keys, settings, staff). A page names the least role it needs.
 */
export function roleAllows(granted: StaffRole, required: StaffRole): boolean {
  return granted === 'admin' || required === 'editor';
}

export function isStaffRole(value: unknown): value is StaffRole {
  return value === 'editor' || value === 'admin';
}
