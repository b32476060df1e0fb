import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

/** One outgoing mail, fully determined by the caller (so a resend is byte-for-byte the same message). */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** `<…@…>`; deterministic per mail (see mail-ids in @careerfeed/core). */
  messageId: string;
  date: Date;
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>;
}

export interface MailResult {
  messageId: string;
  accepted: string[];
}

/** Where mails go: an SMTP server, or `.eml` files in the outbox. */
export interface Mailer {
  send(message: MailMessage): Promise<MailResult>;
  close(): Promise<void>;
}

export interface MailerConfig {
  smtpUrl: string | undefined;
  dataDir: string;
  dkim: { domainName: string; keySelector: string; privateKeyFile: string } | undefined;
}

/** SMTP connections a worker's pooled transport keeps open (createMailer's default). */
export const MAIL_POOL_CONNECTIONS = 5;

/**
 * With SMTP_URL: a pooled SMTP transport (connections are reused across mails, at most
 * `maxConnections` at once), DKIM-signed when configured. Without: the embedded default, one
 * `.eml` file per mail under DATA_DIR/outbox.
 */
export async function createMailer(config: MailerConfig, options: { maxConnections?: number } = {}): Promise<Mailer> {
  // Read once at start: a missing key file should stop the worker now, not fail every mail later.
  const dkim = config.dkim
    ? {
        domainName: config.dkim.domainName,
        keySelector: config.dkim.keySelector,
        privateKey: await fs.readFile(config.dkim.privateKeyFile, 'utf8'),
      }
    : undefined;
  if (config.smtpUrl) return createSmtpMailer(config.smtpUrl, { dkim, maxConnections: options.maxConnections ?? MAIL_POOL_CONNECTIONS });
  return createOutboxMailer(path.join(config.dataDir, 'outbox'), { dkim });
}

type Dkim = { domainName: string; keySelector: string; privateKey: string } | undefined;

/** Control characters other than tab, CR and LF, and everything beyond 7-bit ASCII (per UTF-16 unit). */
// eslint-disable-next-line no-control-regex -- control characters are what this counts
const NOT_TEXT_ASCII = /[\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uffff]/g;

/**
 * Whether nodemailer, left to itself, would pick quoted-printable (not base64) for this value:
 * more ASCII letters than control and 8-bit characters. The rare others are counted by the regex
 * engine; letters only until they outnumber them (a few dozen characters into an HTML body).
 */
function favoursQuotedPrintable(value: string): boolean {
  const other = value.match(NOT_TEXT_ASCII)?.length ?? 0;
  let letters = 0;
  for (let i = 0; i < value.length && letters <= other; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) letters++;
  }
  return other < letters;
}

/**
 * nodemailer chooses each text's transfer encoding by scanning it, several times per mail (a
 * digest's 20–30 KB body is walked about four times: a fifth of building the message). We make
 * the same choice once and hand it over as `textEncoding` when every text of the message would
 * get quoted-printable anyway; otherwise nodemailer decides as before. The bytes are the same.
 */
function textEncodingOf(message: MailMessage): { textEncoding?: 'quoted-printable' } {
  const texts = [message.html, message.text, message.subject, message.from, message.to];
  for (const value of Object.values(message.headers ?? {})) texts.push(value);
  return texts.every((t) => t === '' || favoursQuotedPrintable(t)) ? { textEncoding: 'quoted-printable' } : {};
}

function toNodemailer(message: MailMessage) {
  return {
    ...textEncodingOf(message),
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: message.messageId,
    date: message.date,
    headers: message.headers ?? {},
  };
}

export function createSmtpMailer(smtpUrl: string, options: { dkim?: Dkim; maxConnections: number }): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: options.maxConnections,
    // Without a limit a long-lived pooled connection would carry mails forever; servers often
    // cap messages per connection anyway.
    maxMessages: 100,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    ...(options.dkim ? { dkim: options.dkim } : {}),
  });
  return {
    async send(message) {
      const info = await transport.sendMail(toNodemailer(message));
      return { messageId: message.messageId, accepted: info.accepted.map(String) };
    },
    async close() {
      transport.close();
    },
  };
}

/** A name for a Message-ID that is safe on every file system; the hash keeps two ids from colliding. */
export function outboxFileName(messageId: string): string {
  const readable = messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._@-]/g, '_')
    .slice(0, 150);
  const hash = crypto.createHash('sha256').update(messageId).digest('hex').slice(0, 10);
  return `${readable}-${hash}.eml`;
}

/**
 * Writes each mail as an RFC 5322 file, named after its Message-ID: a resend overwrites the
 * first file instead of adding a second. Written to a temporary file and renamed, so a reader
 * (or a crash) never sees half a mail.
 */
export function createOutboxMailer(dir: string, options: { dkim?: Dkim } = {}): Mailer {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
    ...(options.dkim ? { dkim: options.dkim } : {}),
  });
  let made = false;
  return {
    async send(message) {
      if (!made) {
        await fs.mkdir(dir, { recursive: true });
        made = true;
      }
      const info = await transport.sendMail(toNodemailer(message));
      const file = path.join(dir, outboxFileName(message.messageId));
      const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      await fs.writeFile(temp, info.message as Buffer);
      await fs.rename(temp, file);
      return { messageId: message.messageId, accepted: [message.to] };
    },
    async close() {
      transport.close();
    },
  };
}

export type MailErrorKind = 'permanent' | 'transient';

/**
 * Whether sending the same message again can succeed. A 5xx reply to the envelope or the message
 * (RCPT TO, DATA) is the receiving server refusing this recipient or this mail: permanent, a
 * bounce. 503 (bad command sequence) is a session problem, and 5xx to AUTH is our configuration,
 * not the subscriber's address; those, 4xx replies and lost connections are transient.
 */
export function classifyMailError(error: unknown): MailErrorKind {
  if (typeof error !== 'object' || error === null) return 'transient';
  const { responseCode, code } = error as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && responseCode !== 503) {
    return code === 'EAUTH' || code === 'ENOAUTH' ? 'transient' : 'permanent';
  }
  return 'transient';
}
