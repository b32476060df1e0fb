import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from './config';
import { WEBHOOK_SECRETS_KEY_FILE, resolveWebhookSecretsKey } from './webhook-secrets-key';

describe('WEBHOOK_SECRETS_KEY', () => {
  test('when it is 32 bytes in base64, then the config holds those bytes', () => {
    const key = randomBytes(32);
    expect(parseConfig({ WEBHOOK_SECRETS_KEY: key.toString('base64') }).webhookSecretsKey).toEqual(key);
    expect(parseConfig({}).webhookSecretsKey).toBeUndefined();
  });

  test.each([
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(48).toString('base64')],
    ['not base64', `${'!'.repeat(43)}=`],
    ['hex', randomBytes(32).toString('hex')],
  ])('when it is %s, then the configuration is refused, naming the variable without quoting the value', (_, value) => {
    let error: unknown;
    try {
      parseConfig({ WEBHOOK_SECRETS_KEY: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^WEBHOOK_SECRETS_KEY: must be 32 random bytes in base64/);
    expect(problems[0]).not.toContain(value);
  });
});

describe('resolveWebhookSecretsKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-key-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('when the variable is set, then it is the key and no file is written', () => {
    const key = randomBytes(32);
    expect(resolveWebhookSecretsKey({ webhookSecretsKey: key, dataDir })).toEqual(key);
    expect(fs.existsSync(path.join(dataDir, WEBHOOK_SECRETS_KEY_FILE))).toBe(false);
  });

  test('when it is unset, then a key is generated into DATA_DIR (mode 0600) on first use and the same key is read afterwards', () => {
    const nested = path.join(dataDir, 'not-yet-there');
    const first = resolveWebhookSecretsKey({ webhookSecretsKey: undefined, dataDir: nested });
    expect(first).toHaveLength(32);
    const file = path.join(nested, WEBHOOK_SECRETS_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')).toEqual(first);
    // Another service of the same deployment (same DATA_DIR) gets the same key.
    expect(resolveWebhookSecretsKey({ webhookSecretsKey: undefined, dataDir: nested })).toEqual(first);
    expect(fs.readdirSync(nested)).toEqual([WEBHOOK_SECRETS_KEY_FILE]);
  });

  test('when the key file is damaged, then it is refused rather than replaced (the secrets were encrypted with it)', () => {
    const file = path.join(dataDir, WEBHOOK_SECRETS_KEY_FILE);
    fs.writeFileSync(file, 'not a key\n');
    expect(() => resolveWebhookSecretsKey({ webhookSecretsKey: undefined, dataDir })).toThrow(
      /does not hold a webhook secrets key/,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});
