import { createHash, randomBytes } from 'node:crypto';

export const SCOPES = ['posts:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Keys are 32 random bytes: far too much entropy to guess, so a fast SHA-256 is the right hash
 * (a slow password hash would only slow every request). The `cf_` prefix lets secret scanners
 * recognise a leaked key.
 */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `cf_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** `admin` can do everything; `posts:write` covers posts and authors (reading and writing). */
export function scopeAllows(granted: readonly string[], required: Scope): boolean {
  return granted.includes('admin') || granted.includes(required);
}
