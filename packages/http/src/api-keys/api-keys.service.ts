import { AppError } from '@careerfeed/core';
import { type Db, uuidv7 } from '@careerfeed/db';
import * as keysRepo from './api-keys.repository';
import { type Scope, generateApiKey, hashApiKey, scopeAllows } from './api-keys';

export interface CreatedApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  /** Shown once; only its hash is stored. */
  key: string;
}

export async function createApiKey(db: Db, name: string, scopes: Scope[], now = new Date()): Promise<CreatedApiKey> {
  const { key, hash, prefix } = generateApiKey();
  const id = uuidv7();
  await keysRepo.insertApiKey(db.kysely, {
    id,
    name,
    key_hash: hash,
    key_prefix: prefix,
    scopes: JSON.stringify(scopes),
    created_at: now.toISOString(),
    last_used_at: null,
    revoked_at: null,
  });
  return { id, name, scopes, key };
}

// Recording "last used" on every request would turn every read into a write; once a minute per
// key and process is precise enough for "is this key still in use?".
const TOUCH_INTERVAL_MS = 60_000;

export interface Principal {
  keyId: string;
  name: string;
  scopes: string[];
}

export function createAuthenticator(db: Db, now: () => Date = () => new Date()) {
  const lastTouched = new Map<string, number>();

  return async function authenticate(authorization: string | undefined, required: Scope): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      throw new AppError({
        code: 'UNAUTHENTICATED',
        status: 401,
        detail: 'Send an API key as "Authorization: Bearer <key>" (create one with `npm run cli -- keys create`)',
      });
    }
    const row = await keysRepo.findActiveApiKeyByHash(db.kysely, hashApiKey(match[1]!));
    if (!row) throw new AppError({ code: 'UNAUTHENTICATED', status: 401, detail: 'The API key is unknown or revoked' });
    const scopes = JSON.parse(row.scopes) as string[];
    if (!scopeAllows(scopes, required)) {
      throw new AppError({ code: 'FORBIDDEN', status: 403, detail: `This API key lacks the "${required}" scope` });
    }
    const at = now().getTime();
    if (at - (lastTouched.get(row.id) ?? 0) > TOUCH_INTERVAL_MS) {
      lastTouched.set(row.id, at);
      await keysRepo.touchApiKey(db.kysely, row.id, new Date(at).toISOString());
    }
    return { keyId: row.id, name: row.name, scopes };
  };
}

export interface ApiKeySummary {
  id: string;
  name: string;
  key_prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Every key, newest first, without its hash (the console's list). */
export async function listApiKeySummaries(db: Db): Promise<ApiKeySummary[]> {
  const rows = await keysRepo.listApiKeys(db.kysely);
  return rows.reverse().map((row) => ({
    id: row.id,
    name: row.name,
    key_prefix: row.key_prefix,
    scopes: JSON.parse(row.scopes) as string[],
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
  }));
}

/** Revokes one key by its id; revoking a revoked key changes nothing (false), an unknown id is a 404. */
export async function revokeApiKeyById(db: Db, id: string, now = new Date()): Promise<boolean> {
  const rows = await keysRepo.listApiKeys(db.kysely);
  const row = rows.find((r) => r.id === id);
  if (!row) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No API key has that id' });
  if (row.revoked_at !== null) return false;
  return (await keysRepo.revokeApiKey(db.kysely, id, now.toISOString())) > 0;
}
