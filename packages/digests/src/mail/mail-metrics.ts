import { Counter, type Registry } from 'prom-client';
import { type Mailer, classifyMailError } from './mailer';
import type { DigestOutcome } from '../digests/send-digest.job';

/** What became of one mail: handed over, not needed, refused for now (retried), refused for good. */
export type MailOutcome = 'sent' | 'skipped' | 'failed' | 'bounced';
/** Which mails: digests, and the subscription flow's (confirm, already-subscribed). */
export type MailKind = 'digest' | 'confirmation';

const MAIL_OUTCOMES: readonly MailOutcome[] = ['sent', 'skipped', 'failed', 'bounced'];
const MAIL_KINDS: readonly MailKind[] = ['digest', 'confirmation'];

export type MailMetrics = Record<MailKind, Record<MailOutcome, () => void>>;

/**
 * `mails_total{kind, outcome}`. Every series starts at 0 (so a rate over a fresh process is 0,
 * not absent), and the children are bound once.
 */
export function mailMetrics(registry: Registry): MailMetrics {
  const counter = new Counter({
    name: 'mails_total',
    help: 'Mails by kind (digest, confirmation) and outcome: sent (the SMTP server took it), skipped (nothing to send, subscriber gone), failed (refused for now, retried), bounced (refused for good)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const metrics = {} as MailMetrics;
  for (const kind of MAIL_KINDS) {
    const byOutcome = {} as Record<MailOutcome, () => void>;
    for (const outcome of MAIL_OUTCOMES) {
      const child = counter.labels(kind, outcome);
      child.inc(0);
      byOutcome[outcome] = () => child.inc();
    }
    metrics[kind] = byOutcome;
  }
  return metrics;
}

/**
 * The mailer, counting what the SMTP server made of each send: sent, failed (transient: 4xx,
 * lost connection; the job is retried) or bounced (permanent 5xx, as `classifyMailError` decides).
 */
export function countingMailer(mailer: Mailer, count: Record<MailOutcome, () => void>): Mailer {
  return {
    async send(message) {
      try {
        const result = await mailer.send(message);
        count.sent();
        return result;
      } catch (error) {
        if (classifyMailError(error) === 'permanent') count.bounced();
        else count.failed();
        throw error;
      }
    },
    close: () => mailer.close(),
  };
}

/** Digest outcomes that sent nothing on purpose: nothing new, the subscriber is gone, or the address is suppressed. */
export function isSkippedDigest(outcome: DigestOutcome): boolean {
  return outcome === 'skipped' || outcome === 'inactive' || outcome === 'suppressed';
}
