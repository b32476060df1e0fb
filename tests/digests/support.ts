import { type PostsDeps, createPost } from '@careerfeed/posts';
import type { JobType, Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { type Db, type NewSubscriberRow, uuidv7 } from '@careerfeed/db';

export interface ReceivedMail {
  to: string[];
  raw: Buffer;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  parsed(): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Answer this reply instead of accepting the n-th message's DATA (0-based), e.g. 421 or 550. */
  rejectData?: (n: number) => number | undefined;
  /** Reject these recipients at RCPT TO with this code. */
  rejectRecipient?: (address: string) => number | undefined;
  /** Hold every DATA this long before answering 250 (so a kill lands mid-batch). */
  dataDelayMs?: number;
  /** Listen on this port (a sink started again where the last one was); a free one by default. */
  port?: number;
  /** Keep accepted messages here (shared with the sink this one replaces). */
  received?: ReceivedMail[];
}

function smtpError(code: number): Error & { responseCode: number } {
  return Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code });
}

/**
 * A real SMTP server on a free loopback port that keeps every accepted message. A message counts
 * as received once the sink has it in full and is about to answer 250, as a real MTA that has
 * committed the message to its queue would.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = options.received ?? [];
  let dataCount = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = options.rejectRecipient?.(address.address);
      callback(code ? smtpError(code) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const n = dataCount++;
        const code = options.rejectData?.(n);
        if (code) return callback(smtpError(code));
        const accept = () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
          callback(null);
        };
        if (options.dataDelayMs) setTimeout(accept, options.dataDelayMs);
        else accept();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    parsed: () => Promise.all(received.map((m) => simpleParser(m.raw))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A subscriber row as the subscribe pages would leave it after confirmation; override anything. */
export async function insertSubscriber(db: Db, overrides: Partial<NewSubscriberRow> = {}): Promise<string> {
  const id = overrides.id ?? uuidv7();
  const email = overrides.email ?? `student-${randomBytes(4).toString('hex')}@example.edu`;
  const at = '2026-11-01T00:00:00.000Z';
  await db.kysely
    .insertInto('subscribers')
    .values({
      id,
      email,
      email_key: email.toLowerCase(),
      status: 'active',
      frequency: 'daily',
      topics: '[]',
      time_zone: 'UTC',
      delivery_hour: 8,
      delivery_weekday: 1,
      paused: 0,
      confirmation_nonce: null,
      confirmation_sent_at: null,
      confirmed_at: at,
      unsubscribed_at: null,
      suspended_at: null,
      hard_bounces: 0,
      digest_cursor: null,
      next_digest_at: null,
      created_at: at,
      updated_at: at,
      ...overrides,
    })
    .execute();
  return id;
}

/**
 * A UTC daily subscriber whose 25 Nov 2026 08:00 digest is due and whose last one went on 24 Nov
 * (the clock the digest tests run at is 25 Nov 08:00:30); override anything.
 */
export function insertDueDailySubscriber(db: Db, overrides: Partial<NewSubscriberRow> = {}): Promise<string> {
  return insertSubscriber(db, {
    digest_cursor: '2026-11-24T08:00:00.000Z',
    next_digest_at: '2026-11-25T08:00:00.000Z',
    ...overrides,
  });
}

/** A published post at `publishedAt` (UTC ISO) through the ingest service, so it is stored as in production. */
export async function publishPost(
  deps: PostsDeps,
  publishedAt: string,
  overrides: { title?: string; tags?: string[]; category?: string; image?: string } = {},
): Promise<{ id: string; title: string; slug: string }> {
  const n = randomBytes(4).toString('hex');
  const result = await createPost(deps, {
    title: overrides.title ?? `Career fair notes ${n}`,
    html: `<p>What employers asked at the fair ${n}.</p>`,
    author: { slug: 'maya-okafor', name: 'Maya Okafor' },
    tags: overrides.tags ?? ['career-fairs'],
    category: overrides.category ?? 'events',
    published_at: publishedAt,
    ...(overrides.image ? { image: overrides.image } : {}),
  });
  return { id: result.post.id, title: result.post.title, slug: result.post.slug };
}

export function uniquePrefix(): string {
  return `test-digests-${randomBytes(6).toString('hex')}`;
}

/** One subscriber's digest as queued: its job (a page, or the one-subscriber shape) and its entry. */
export interface QueuedDigest {
  jobId: string | undefined;
  subscriberId: string;
  periodKey: string;
  windowEnd: string;
}

/** The digests a queue holds in these states, one entry per subscriber and period, whatever job carries it. */
export async function queuedDigests(queue: Queue, states: JobType[] = ['wait']): Promise<QueuedDigest[]> {
  const jobs = await queue.getJobs(states);
  return jobs.flatMap((job) => {
    const data = job.data as { digests?: Omit<QueuedDigest, 'jobId'>[] } & Omit<QueuedDigest, 'jobId'>;
    return (data.digests ?? [data]).map((digest) => ({ jobId: job.id, ...digest }));
  });
}
