import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/** The key file of the embedded default, in DATA_DIR. */
export const WEBHOOK_SECRETS_KEY_FILE = 'webhook-secrets.key';

/**
 * The key webhook secrets are encrypted with: WEBHOOK_SECRETS_KEY when set; otherwise the one in
 * DATA_DIR/webhook-secrets.key, created (mode 0600, 32 random bytes in base64) when there is none.
 * The services of one `npm start` share DATA_DIR, so they share the key. Creation is atomic (a
 * complete temporary file hard-linked into place), so two services starting together end up with
 * the same key: the second one's link fails and it reads the first one's file.
 */
export function resolveWebhookSecretsKey(config: Pick<Config, 'webhookSecretsKey' | 'dataDir'>): Buffer {
  if (config.webhookSecretsKey) return config.webhookSecretsKey;
  const file = path.join(config.dataDir, WEBHOOK_SECRETS_KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return existing;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  const created = readKeyFile(file);
  if (!created) throw new Error(`${file} could not be created`);
  return created;
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text) || key.length !== 32) {
    throw new Error(
      `${file} does not hold a webhook secrets key (32 bytes in base64); restore it from a backup — ` +
        'the webhook secrets in the database were encrypted with it',
    );
  }
  return key;
}
