import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  CONFIRMATION_TOKEN_TTL_SECONDS,
  confirmationUrl,
  mailDomainOf,
  manageLinks,
  renderAlreadySubscribedMail,
  renderConfirmationMail,
  subscriptionMailMessageId,
} from '@careerfeed/core';
import { type Db } from '@careerfeed/db';
import { readSite, siteDirection } from '@careerfeed/posts';
import { type ConfirmationMailJob, SUBSCRIPTION_MAILS_QUEUE, confirmationMailJobSchema } from '@careerfeed/jobs';
import type { Mailer } from '../mail/mailer';
import { createMailJobsWorker, sendOrBounce } from '../mail/mail-jobs.worker';
import { findSubscriber } from '../digests/digests.repository';
import { isSuppressed } from '../audience/suppression.repository';
import { unsubscribeHeaders } from '../digests/send-digest.job';

export interface SubscriptionMailsDeps {
  db: Db;
  mailer: Mailer;
  mailFrom: string;
  publicBaseUrl: string;
  tokenKey: Buffer;
  now: () => Date;
  logger: Logger;
}

/**
 * Sends the mail a subscription request asked for. `confirm` goes out only while the subscriber is
 * still pending with the job's nonce (a newer request, a confirmation or an unsubscribe in
 * between makes it moot); `already-subscribed` only while the subscriber is active. The
 * Message-ID and Date come from the job, so a retried job sends the identical mail.
 */
export async function sendSubscriptionMail(
  deps: SubscriptionMailsDeps,
  job: ConfirmationMailJob,
  createdAt: Date,
): Promise<'sent' | 'moot'> {
  const subscriber = await findSubscriber(deps.db.kysely, job.subscriberId);
  if (!subscriber) return 'moot';
  // A suppressed address gets no mail of any kind, confirmations included.
  if (await isSuppressed(deps.db.kysely, subscriber.email_key)) return 'moot';
  const storedSite = await readSite(deps.db.kysely);
  const site = {
    title: storedSite.title,
    url: storedSite.url ?? `${deps.publicBaseUrl}/`,
    language: storedSite.language,
    dir: siteDirection(storedSite),
    brandColor: storedSite.brandColor,
    accentColor: storedSite.accentColor,
    postalAddress: storedSite.postalAddress,
    ...(storedSite.logoUrl ? { logoUrl: storedSite.logoUrl } : {}),
  };
  const messageId = subscriptionMailMessageId(job.kind, subscriber.id, job.nonce, mailDomainOf(deps.mailFrom));
  let mail: { subject: string; html: string; text: string };
  let headers: Record<string, string> = {};
  if (job.kind === 'confirm') {
    if (subscriber.status !== 'pending' || subscriber.confirmation_nonce !== job.nonce) return 'moot';
    const confirmUrl = confirmationUrl(
      deps.publicBaseUrl,
      deps.tokenKey,
      { id: subscriber.id, nonce: job.nonce },
      deps.now(),
    );
    mail = await renderConfirmationMail(site, {
      email: subscriber.email,
      confirmUrl,
      expiresInHours: CONFIRMATION_TOKEN_TTL_SECONDS / 3600,
    });
  } else {
    if (subscriber.status !== 'active') return 'moot';
    const links = manageLinks(
      deps.publicBaseUrl,
      deps.tokenKey,
      { id: subscriber.id, linkVersion: subscriber.link_version },
      deps.now(),
    );
    mail = renderAlreadySubscribedMail(site, { email: subscriber.email, ...links });
    headers = unsubscribeHeaders(links.unsubscribeUrl);
  }
  await sendOrBounce(deps.mailer, {
    from: deps.mailFrom,
    to: subscriber.email,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId,
    date: createdAt,
    headers,
  });
  return 'sent';
}

export function createSubscriptionMailsWorker(
  deps: SubscriptionMailsDeps & { connection: Redis; prefix: string; mailRatePerSecond: number },
): Worker {
  return createMailJobsWorker({
    queue: SUBSCRIPTION_MAILS_QUEUE,
    what: 'subscription mail',
    schema: confirmationMailJobSchema,
    handle: (data, createdAt) => sendSubscriptionMail(deps, data, createdAt),
    connection: deps.connection,
    prefix: deps.prefix,
    mailRatePerSecond: deps.mailRatePerSecond,
    logger: deps.logger,
  });
}
