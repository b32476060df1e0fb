import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import {
  type DigestMail,
  type DigestPost,
  digestMessageId,
  mailDomainOf,
  manageLinks,
  selectDigestPosts,
} from '@careerfeed/core';
import { type Db, type DigestDeliveryRow, type SubscriberRow, uuidv7 } from '@careerfeed/db';
import type { DigestJob } from '@careerfeed/jobs';
import { type Mailer, classifyMailError } from '../mail/mailer';
import type { DigestContent } from './digest-content';
import {
  coveredUntil,
  findDeliveriesOf,
  findSubscribersWithCoverage,
  insertDeliveriesIfAbsent,
  recordAttempts,
  recordHardBounce,
  recordTransientError,
  releaseClaims,
  sendStateStatement,
} from './digests.repository';
import { RECORD_DELAY_MS, createFinishedRecorder } from './finished-recorder';

export interface DigestSenderDeps {
  db: Db;
  mailer: Mailer;
  content: DigestContent;
  mailFrom: string;
  publicBaseUrl: string;
  /** Signs the preferences and unsubscribe links (readSubscriptionTokenKey). */
  tokenKey: Buffer;
  now: () => Date;
  logger: Logger;
  /** Hard bounces after which a subscriber is suspended. */
  suspendAfterBounces?: number;
  onOutcome?: (outcome: DigestOutcome) => void;
  /** How long a finished digest waits for others to share its commit (default RECORD_DELAY_MS). */
  recordDelayMs?: number;
}

/** `suppressed`: the address is on the suppression list; nothing was sent and the period is closed. */
export type DigestOutcome = 'sent' | 'skipped' | 'failed' | 'already-done' | 'inactive' | 'suppressed';

type Reachability = Pick<SubscriberRow, 'status' | 'paused'>;
const isReachable = <S extends Reachability>(s: S | undefined): s is S => s?.status === 'active' && s.paused === 0;
const whyUnreachable = (s: Reachability | undefined): string =>
  s === undefined ? 'subscriber deleted' : s.paused ? 'subscriber paused' : `subscriber ${s.status}`;

const parseTopics = (json: string): string[] => {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
};

/** The headers every digest carries besides From/To/Date/Message-ID/Subject (RFC 2369, RFC 8058). */
export function unsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** A digest whose delivery row this attempt holds (`sending`): it may be sent. */
export interface ClaimedDigest {
  job: DigestJob;
  subscriber: SubscriberRow;
  delivery: DigestDeliveryRow;
  /** Whether this attempt inserted the row (else it found it `sending` and counted an attempt). */
  inserted: boolean;
}

/** What claiming a digest gave: a row to send under, or an outcome that needs nothing more. */
export type DigestClaim = { claimed: ClaimedDigest } | { outcome: 'inactive' | 'already-done' };

/**
 * Sends digests (one subscriber and period each) at most once, a batch of them claimed together.
 *
 * 1. Claim (`claim`, one batch of digests at a time): read the batch's subscribers, then insert
 *    each delivery row (subscriber, period) as `sending`, with its window and a deterministic
 *    Message-ID, unless the row exists. The unique key makes the database the record of what was
 *    sent: a second job for the same period finds the row; `sent`/`skipped`/`failed` mean done.
 * 2. A `sending` row means an earlier attempt died or failed transiently: send again, with the
 *    SAME Message-ID and Date, over the same window.
 * 3. Each digest (`deliver`): compose, look at the subscriber again, send. After the SMTP server's
 *    final 250, it is marked `sent` and the cursor moves, in a commit shared with the digests
 *    finished within the same few milliseconds (RECORD_DELAY_MS); `deliver` resolves after it.
 *
 * The one ambiguous window is between that 250 and the commit holding it: a crash there makes the
 * next attempt send again. The resend is the identical message (same Message-ID), which receiving
 * systems and mail clients treat as one. Everywhere else a crash or retry sends nothing twice.
 * Digests claimed and not started when the worker stops are given back (`release`).
 */
export function createDigestSender(deps: DigestSenderDeps) {
  const domain = mailDomainOf(deps.mailFrom);
  const suspendAfter = deps.suspendAfterBounces ?? 3;
  const findSendStatePrepared = sendStateStatement(deps.db.kysely);
  const findSendState = async (id: string) => (await findSendStatePrepared(deps.db.kysely, { id })).rows[0];
  const recorder = createFinishedRecorder(deps.db, deps.recordDelayMs ?? RECORD_DELAY_MS);
  const report = <O extends DigestOutcome>(outcome: O): O => {
    deps.onOutcome?.(outcome);
    return outcome;
  };

  /**
   * Where this subscriber's next digest starts: after everything sent (or being sent) before
   * (`covered`, the newest window end of their deliveries; see coveredUntil).
   */
  function windowStart(subscriber: SubscriberRow, covered: string | null): string {
    const base = subscriber.digest_cursor ?? subscriber.confirmed_at ?? subscriber.created_at;
    return covered !== null && covered > base ? covered : base;
  }

  /**
   * Claims a batch of digests with three statements at most (read, insert, and for rows found
   * `sending` one more attempt each), not three per digest. In the batch's order, so a subscriber
   * twice in it (two periods) gets windows that follow each other, as one after the other would.
   */
  async function claim(jobs: DigestJob[]): Promise<DigestClaim[]> {
    const db = deps.db.kysely;
    const now = deps.now();
    const nowUtc = now.toISOString();
    const subscribers = await findSubscribersWithCoverage(
      db,
      jobs.map((job) => job.subscriberId),
    );
    const covered = new Map<string, string | null>();
    const rows: (DigestDeliveryRow | undefined)[] = jobs.map((job) => {
      const subscriber = subscribers.get(job.subscriberId);
      if (!isReachable(subscriber)) return undefined;
      const start = windowStart(subscriber, covered.get(subscriber.id) ?? subscriber.covered_until);
      if (job.windowEnd > (covered.get(subscriber.id) ?? '')) covered.set(subscriber.id, job.windowEnd);
      return {
        id: uuidv7(now.getTime()),
        subscriber_id: subscriber.id,
        period_key: job.periodKey,
        status: 'sending',
        window_start: start,
        window_end: job.windowEnd,
        post_ids: '[]',
        message_id: digestMessageId(subscriber.id, job.periodKey, domain),
        attempts: 1,
        last_error: null,
        created_at: nowUtc,
        updated_at: nowUtc,
        sent_at: null,
      };
    });
    const fresh = rows.filter((row): row is DigestDeliveryRow => row !== undefined);
    const inserted = await insertDeliveriesIfAbsent(db, fresh);
    const existing = await findDeliveriesOf(
      db,
      fresh
        .filter((row) => !inserted.has(row.id))
        .map((row) => ({ subscriberId: row.subscriber_id, periodKey: row.period_key })),
    );
    const retried = [...existing.values()].filter((row) => row.status === 'sending');
    await recordAttempts(
      db,
      retried.map((row) => row.id),
      nowUtc,
    );
    return jobs.map((job, i): DigestClaim => {
      const row = rows[i];
      if (row === undefined) return { outcome: report('inactive') };
      if (inserted.has(row.id))
        return { claimed: { job, subscriber: subscribers.get(job.subscriberId)!, delivery: row, inserted: true } };
      const found = existing.get(`${row.subscriber_id}|${row.period_key}`);
      if (found === undefined)
        throw new Error(`digest ${job.periodKey} of ${job.subscriberId}: neither inserted nor found`);
      if (found.status !== 'sending') return { outcome: report('already-done') };
      const delivery = { ...found, attempts: found.attempts + 1 };
      return { claimed: { job, subscriber: subscribers.get(job.subscriberId)!, delivery, inserted: false } };
    });
  }

  /** Gives back claims of digests that were never tried (see releaseClaims). */
  async function release(claims: ClaimedDigest[]): Promise<void> {
    if (claims.length === 0) return;
    await releaseClaims(
      deps.db.kysely,
      {
        inserted: claims.filter((c) => c.inserted).map((c) => c.delivery.id),
        retried: claims.filter((c) => !c.inserted).map((c) => c.delivery.id),
      },
      deps.now().toISOString(),
    );
  }

  /**
   * Composes and sends one claimed digest. Resolves once the SMTP server has it (or it was
   * withheld); `recorded` resolves once its outcome is committed, which is when it is done.
   */
  async function deliver(claimed: ClaimedDigest): Promise<{ outcome: DigestOutcome; recorded: Promise<void> }> {
    const db = deps.db.kysely;
    const { job, subscriber, delivery } = claimed;
    const now = deps.now();
    const windowEnd = delivery.window_end;
    const finish = (
      status: 'sent' | 'skipped',
      fields: { postIds?: string[]; messageId?: string; reason: string | null },
    ) =>
      recorder.record({
        id: delivery.id,
        subscriberId: subscriber.id,
        windowEnd,
        status,
        postIds: JSON.stringify(fields.postIds ?? []),
        messageId: fields.messageId ?? null,
        reason: fields.reason,
        at: deps.now().toISOString(),
      });

    const topics = parseTopics(subscriber.topics);
    const posts =
      delivery.window_start < windowEnd
        ? selectDigestPosts(await deps.content.postsIn({ start: delivery.window_start, end: windowEnd }, now), topics, {
            start: delivery.window_start,
            end: windowEnd,
          })
        : [];
    if (posts.length === 0) return { outcome: 'skipped', recorded: finish('skipped', { reason: null }) };

    const links = manageLinks(
      deps.publicBaseUrl,
      deps.tokenKey,
      { id: subscriber.id, linkVersion: subscriber.link_version },
      now,
    );
    const renderer = await deps.content.renderer();
    const mail = renderer.render({ email: subscriber.email, frequency: subscriber.frequency, topics, ...links }, posts);
    const messageId = delivery.message_id ?? digestMessageId(subscriber.id, job.periodKey, domain);

    // Unsubscribing takes effect at once: look again right before the mail leaves. The
    // suppression list comes with it, so an address added while this digest was being composed
    // gets nothing either.
    const current = await findSendState(subscriber.id);
    if (!isReachable(current)) {
      return { outcome: 'inactive', recorded: finish('skipped', { reason: whyUnreachable(current) }) };
    }

    // The suppression list wins over any subscription.
    if (current.suppressed !== null) {
      deps.logger.info(
        { subscriberId: subscriber.id, periodKey: job.periodKey },
        'digest withheld: address suppressed',
      );
      return { outcome: 'suppressed', recorded: finish('skipped', { reason: 'address suppressed' }) };
    }

    try {
      await deps.mailer.send({
        from: deps.mailFrom,
        to: current.email,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId,
        // The claim's time: a resend is the same message, down to its Date.
        date: new Date(delivery.created_at),
        headers: unsubscribeHeaders(links.unsubscribeUrl),
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const at = deps.now().toISOString();
      if (classifyMailError(error) === 'permanent') {
        const suspended = await recordHardBounce(
          db,
          { deliveryId: delivery.id, subscriberId: subscriber.id, error: detail, suspendAfter },
          at,
        );
        deps.logger.warn(
          { subscriberId: subscriber.id, periodKey: job.periodKey, suspended, err: error },
          'digest bounced',
        );
        report('failed');
        throw new UnrecoverableError(`permanent SMTP failure: ${detail}`);
      }
      await recordTransientError(db, delivery.id, detail, at);
      throw error;
    }

    return {
      outcome: 'sent',
      recorded: finish('sent', { postIds: posts.map((p) => p.id), messageId, reason: null }),
    };
  }

  /**
   * Sends one digest at most once (claim, deliver, and its record committed): a batch of one.
   * Resolves with its outcome once that is recorded.
   */
  async function send(job: DigestJob): Promise<DigestOutcome> {
    const [claimed] = await claim([job]);
    if (claimed === undefined || 'outcome' in claimed) return claimed?.outcome ?? 'already-done';
    return finished(await deliver(claimed.claimed));
  }

  /** Waits for a delivered digest's record and reports its outcome. */
  async function finished(delivered: { outcome: DigestOutcome; recorded: Promise<void> }): Promise<DigestOutcome> {
    await delivered.recorded;
    return report(delivered.outcome);
  }

  /**
   * The digest this subscriber would get now, rendered and not sent, nothing recorded
   * (`digest preview`). Null when there is nothing to send.
   */
  async function preview(subscriber: SubscriberRow): Promise<{ mail: DigestMail; posts: DigestPost[] } | null> {
    const now = deps.now();
    const start = windowStart(subscriber, await coveredUntil(deps.db.kysely, subscriber.id));
    const end = now.toISOString();
    if (start >= end) return null;
    const topics = parseTopics(subscriber.topics);
    const posts = selectDigestPosts(await deps.content.postsIn({ start, end }, now), topics, { start, end });
    if (posts.length === 0) return null;
    const links = manageLinks(
      deps.publicBaseUrl,
      deps.tokenKey,
      { id: subscriber.id, linkVersion: subscriber.link_version },
      now,
    );
    const renderer = await deps.content.renderer();
    const mail = renderer.render({ email: subscriber.email, frequency: subscriber.frequency, topics, ...links }, posts);
    return { mail, posts };
  }

  return { claim, deliver, finished, release, send, preview };
}

export type DigestSender = ReturnType<typeof createDigestSender>;
