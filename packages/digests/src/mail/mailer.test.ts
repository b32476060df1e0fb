import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { type MailMessage, createOutboxMailer, outboxFileName } from './mailer';

/** Multipart boundaries are random per build; everything else must match byte for byte. */
const withoutBoundaries = (eml: string) =>
  eml.replace(/--_NmP-[0-9a-f-]+-Part_\d+/g, '--B').replace(/boundary="[^"]+"/g, '');

const message = (overrides: Partial<MailMessage>): MailMessage => ({
  from: 'Career Center <careers@example.edu>',
  to: 'student@example.edu',
  subject: 'Career Center: 2 new posts since yesterday',
  html: '<p>How to write a cover letter that gets read</p>'.repeat(40),
  text: 'How to write a cover letter that gets read\n'.repeat(40),
  messageId: '<digest.1@example.edu>',
  date: new Date('2026-11-25T08:00:00Z'),
  headers: { 'List-Unsubscribe': '<https://careers.example.edu/u/1>' },
  ...overrides,
});

describe('the mailer choosing the transfer encoding itself', () => {
  const japanese = '履歴書の書き方と面接の準備について、キャリアセンターからのお知らせです。';
  test.each([
    ['plain ASCII', message({})],
    ['Latin with accents and dashes', message({ html: '<p>Résumé — naïve café · déjà vu</p>'.repeat(40) })],
    ['a Japanese text part', message({ text: japanese.repeat(20) })],
    ['a Japanese subject', message({ subject: `キャリアセンター: ${japanese}` })],
    ['Japanese everywhere', message({ subject: japanese, html: `<p>${japanese}</p>`.repeat(20), text: japanese })],
  ])('when the mail is %s, then the bytes are those nodemailer picks by itself', async (_name, mail) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-mailer-'));
    try {
      const mailer = createOutboxMailer(dir);
      await mailer.send(mail);
      await mailer.close();
      const ours = fs.readFileSync(path.join(dir, outboxFileName(mail.messageId)), 'utf8');
      const own = await nodemailer
        .createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
        .sendMail({ ...mail, headers: mail.headers ?? {} });
      expect(withoutBoundaries(ours)).toBe(withoutBoundaries((own.message as Buffer).toString('utf8')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
