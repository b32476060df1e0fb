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
import { type Db, type DigestDeliveryRow, type SubscriberRow, isUniqueViolation, uuidv7 } from '@careerfeed/db';
import type { DigestJob } from '@careerfeed/jobs';
import { type Mailer, classifyMailError } from '../mail/mailer';
import type { DigestContent } from './digest-content';
import {
  coveredUntil,
  findDelivery,
  findSendState,
  findSubscriberWithCoverage,
  insertDelivery,
  markDeliverySent,
  markDeliverySkipped,
  recordAttempt,
  recordHardBounce,
  recordTransientError,
} from './digests.repository';

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

/**
 * Sends one digest (one subscriber, one period) at most once.
 *
 * 1. Claim: insert the delivery row (subscriber, period) as `sending`, with its window and a
 *    deterministic Message-ID. The unique key makes the database the record of what was sent:
 *    a second job for the same period finds the row; `sent`/`skipped`/`failed` mean done.
 * 2. A `sending` row means an earlier attempt died or failed transiently: send again, with the
 *    SAME Message-ID and Date, over the same window.
 * 3. After the SMTP server's final 250, mark `sent` and move the cursor in one transaction.
 *
 * The one ambiguous window is between that 250 and our commit: a crash there makes the next
 * attempt send again. The resend is the identical message (same Message-ID), which receiving
 * systems and mail clients treat as one. Everywhere else a crash or retry sends nothing twice.
 */
export function createDigestSender(deps: DigestSenderDeps) {
  const domain = mailDomainOf(deps.mailFrom);
  const suspendAfter = deps.suspendAfterBounces ?? 3;
  const report = (outcome: DigestOutcome): DigestOutcome => {
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

  async function claim(
    subscriber: SubscriberRow & { covered_until: string | null },
    job: DigestJob,
    now: Date,
  ): Promise<DigestDeliveryRow> {
    const db = deps.db.kysely;
    const nowUtc = now.toISOString();
    const row: DigestDeliveryRow = {
      id: uuidv7(now.getTime()),
      subscriber_id: subscriber.id,
      period_key: job.periodKey,
      status: 'sending',
      window_start: windowStart(subscriber, subscriber.covered_until),
      window_end: job.windowEnd,
      post_ids: '[]',
      message_id: digestMessageId(subscriber.id, job.periodKey, domain),
      attempts: 1,
      last_error: null,
      created_at: nowUtc,
      updated_at: nowUtc,
      sent_at: null,
    };
    try {
      await insertDelivery(db, row);
      return row;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await findDelivery(db, subscriber.id, job.periodKey);
      if (!existing) throw error;
      if (existing.status === 'sending') await recordAttempt(db, existing.id, nowUtc);
      return existing;
    }
  }

  async function send(job: DigestJob): Promise<DigestOutcome> {
    const db = deps.db.kysely;
    const now = deps.now();
    const subscriber = await findSubscriberWithCoverage(db, job.subscriberId);
    if (!isReachable(subscriber)) return report('inactive');

    const delivery = await claim(subscriber, job, now);
    if (delivery.status !== 'sending') return report('already-done');
    const windowEnd = delivery.window_end;

    const topics = parseTopics(subscriber.topics);
    const posts =
      delivery.window_start < windowEnd
        ? selectDigestPosts(await deps.content.postsIn({ start: delivery.window_start, end: windowEnd }, now), topics, {
            start: delivery.window_start,
            end: windowEnd,
          })
        : [];
    if (posts.length === 0) {
      await markDeliverySkipped(
        db,
        { id: delivery.id, subscriberId: subscriber.id, windowEnd, reason: null },
        now.toISOString(),
      );
      return report('skipped');
    }

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
    const current = await findSendState(db, subscriber.id);
    if (!isReachable(current)) {
      await markDeliverySkipped(
        db,
        { id: delivery.id, subscriberId: subscriber.id, windowEnd, reason: whyUnreachable(current) },
        deps.now().toISOString(),
      );
      return report('inactive');
    }

    // The suppression list wins over any subscription.
    if (current.suppressed !== null) {
      await markDeliverySkipped(
        db,
        { id: delivery.id, subscriberId: subscriber.id, windowEnd, reason: 'address suppressed' },
        deps.now().toISOString(),
      );
      deps.logger.info(
        { subscriberId: subscriber.id, periodKey: job.periodKey },
        'digest withheld: address suppressed',
      );
      return report('suppressed');
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

    await markDeliverySent(
      db,
      { id: delivery.id, subscriberId: subscriber.id, windowEnd, postIds: posts.map((p) => p.id), messageId },
      deps.now().toISOString(),
    );
    return report('sent');
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

  return { send, preview };
}

export type DigestSender = ReturnType<typeof createDigestSender>;
