import { createMailer } from '@careerfeed/digests';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// mailauth (Postal Systems) is an independent DKIM verifier: it checks our signature the way a
// receiving server does, with the public key served from a DNS resolver we hand it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify: (
    message: Buffer,
    options: { resolver: (name: string, type: string) => Promise<string[][]> },
  ) => Promise<{ results: { status: { result: string }; signingDomain: string; selector: string }[] }>;
};
import { type SmtpSink, startSmtpSink } from './support';

describe('DKIM signing', () => {
  let sink: SmtpSink;
  let dir: string;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    if (type === 'TXT' && name === 'cf2026._domainkey.careers.test.example') {
      return [[`v=DKIM1; k=rsa; p=${publicKeyDer}`]];
    }
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-dkim-'));
    fs.writeFileSync(path.join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  });
  afterAll(async () => {
    await sink.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const message = {
    from: 'Career Center <no-reply@careers.test.example>',
    to: 'student@example.edu',
    subject: 'Career Center Blog: 2 new posts this week — Résumé tips ✨',
    html: '<p>Two new posts</p>',
    text: 'Two new posts',
    messageId: '<digest.dkim-test@careers.test.example>',
    date: new Date('2026-11-25T08:00:00Z'),
    headers: { 'List-Unsubscribe': '<https://careers.test.example/unsubscribe?token=x>' },
  };

  test('when DKIM is configured, then every mail carries a signature a verifier accepts with the published key', async () => {
    const mailer = await createMailer({
      smtpUrl: sink.url,
      dataDir: dir,
      dkim: { domainName: 'careers.test.example', keySelector: 'cf2026', privateKeyFile: path.join(dir, 'dkim.pem') },
    });
    await mailer.send(message);
    await mailer.close();

    const raw = sink.received.at(-1)!.raw;
    const verdict = await dkimVerify(raw, { resolver });
    expect(verdict.results.map((r) => [r.status.result, r.signingDomain, r.selector])).toEqual([
      ['pass', 'careers.test.example', 'cf2026'],
    ]);

    // The same bytes with the subject altered in transit no longer verify: the signature covers it.
    const tampered = Buffer.from(raw.toString('utf8').replace(/^Subject: .*$/m, 'Subject: Win a prize'));
    const tamperedVerdict = await dkimVerify(tampered, { resolver });
    expect(tamperedVerdict.results[0]!.status.result).toBe('fail');
  });

  test('when DKIM is not configured, then mails go unsigned', async () => {
    const mailer = await createMailer({ smtpUrl: sink.url, dataDir: dir, dkim: undefined });
    await mailer.send({ ...message, messageId: '<digest.unsigned@careers.test.example>' });
    await mailer.close();
    expect(sink.received.at(-1)!.raw.toString('utf8')).not.toMatch(/^DKIM-Signature:/im);
  });

  test('when the DKIM key file is missing, then the mailer refuses to start rather than fail every mail', async () => {
    await expect(
      createMailer({
        smtpUrl: sink.url,
        dataDir: dir,
        dkim: { domainName: 'careers.test.example', keySelector: 'cf2026', privateKeyFile: path.join(dir, 'nope.pem') },
      }),
    ).rejects.toThrow(/ENOENT/);
  });
});
