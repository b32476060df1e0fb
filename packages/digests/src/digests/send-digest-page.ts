import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createSlots } from '@careerfeed/core';
import type { DigestJob } from '@careerfeed/jobs';
import { MAIL_POOL_CONNECTIONS } from '../mail/mailer';
import type { ClaimedDigest, DigestClaim, DigestOutcome, DigestSender } from './send-digest.job';

export interface DigestPageSenderDeps {
  sender: DigestSender;
  /** Holds the per-digest send locks (see lockDigest). */
  connection: Redis;
  /** The queue's Redis prefix: the locks live beside its keys. */
  prefix: string;
  logger: Logger;
  /**
   * Digests being sent at once by this worker, across all the jobs it holds. Default: twice the
   * SMTP pool's connections, so that while one message per connection is on the wire the next one
   * is being claimed, rendered and built (the worker's CPU) and no connection waits for it; more
   * only queues messages inside nodemailer, holding their rows claimed for longer.
   */
  sendConcurrency?: number;
  /**
   * Digests claimed together (one read and one insert for all of them, instead of three statements
   * each). Default: twice `sendConcurrency`.
   */
  claimBatch?: number;
}

/** Per digest, not per page: a page's job fails only after every digest in it has been tried. */
export interface DigestPageResult {
  outcomes: Partial<Record<DigestOutcome, number>>;
  /** Digests not started because the worker is stopping: the job goes back to the queue for them. */
  leftForLater: number;
}

/** Another job (a different page holding the same digest) is sending this digest right now. */
class DigestBusyError extends Error {}

/**
 * Longer than a page's sends take (nodemailer's socket timeout is 60 s a send; a page is
 * normally seconds): a lock whose holder died expires by itself.
 */
const LOCK_TTL_MS = 10 * 60_000;
const RELEASE_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Sends a page of digests through the sender (createDigestSender): claimed `claimBatch` at a time
 * (a statement or three for the batch, not per digest), each then composed, sent at most once and
 * recorded on its own, with at most `sendConcurrency` sends in flight across the worker.
 *
 * Each digest succeeds or fails on its own: a hard bounce, a suppressed or inactive subscriber is
 * that subscriber's outcome and the page goes on. Only after every digest was tried does the job
 * fail: with a retriable error when any failed transiently (the retry finds the others' rows done,
 * `already-done`, and sends only those), else unrecoverably when any bounced (as a one-subscriber
 * job did), else it completes.
 *
 * The one-subscriber job ids kept two jobs for the same digest out of the queue; pages with
 * different neighbours can both hold it (e.g. `digest run` and the scheduler in the same hour),
 * so each digest is sent under a Redis lock held by the job's id, taken for the whole page at
 * its start and released at its end: the other job's attempt at that digest waits for a retry,
 * which then finds the row done. A retry of the same job (a transient failure, or a worker killed
 * mid-page) holds the same id and takes its own locks back at once.
 */
export function createDigestPageSender(deps: DigestPageSenderDeps) {
  const sendConcurrency = deps.sendConcurrency ?? 2 * MAIL_POOL_CONNECTIONS;
  const inSlot = createSlots(sendConcurrency);
  const claimBatch = deps.claimBatch ?? 2 * sendConcurrency;
  /**
   * Batches claimed and not yet all in a send slot, across the worker's jobs: two, so the next
   * batch is claimed while one waits for slots, and a claimed row waits for its send (the mail's
   * Date is the claim's) about two batches' worth of mails, not every job's batch.
   */
  const inClaims = createSlots(2);
  const lockKey = (digest: DigestJob) => `${deps.prefix}:digests:sending:${digest.subscriberId}:${digest.periodKey}`;

  /**
   * Takes the locks of a page's digests in one round trip (not two per mail): which of them this
   * job now holds. A GET right after each SET NX says who holds it, this job or another.
   */
  async function lockPage(jobId: string, digests: DigestJob[]): Promise<boolean[]> {
    const pipeline = deps.connection.pipeline();
    for (const digest of digests) pipeline.set(lockKey(digest), jobId, 'PX', LOCK_TTL_MS, 'NX').get(lockKey(digest));
    const replies = (await pipeline.exec()) ?? [];
    return digests.map((_, i) => {
      const [error, holder] = replies[2 * i + 1] ?? [new Error('no reply')];
      if (error) throw error;
      return holder === jobId;
    });
  }

  async function unlockPage(jobId: string, digests: DigestJob[]): Promise<void> {
    const pipeline = deps.connection.pipeline();
    for (const digest of digests) pipeline.eval(RELEASE_IF_HELD, 1, lockKey(digest), jobId);
    await pipeline.exec().catch((error: unknown) => {
      // They expire by themselves; until then another job's copy of these digests waits for a retry.
      deps.logger.warn({ err: error }, 'digest send locks not released');
    });
  }

  /**
   * `stopping`: when it turns true (the worker is shutting down), digests not yet started are left
   * for the job's next run, so a graceful stop waits for the sends in flight, not the whole page.
   */
  async function sendPage(
    jobId: string,
    digests: DigestJob[],
    stopping: () => boolean = () => false,
  ): Promise<DigestPageResult> {
    const outcomes: Partial<Record<DigestOutcome, number>> = {};
    const transient: { subscriberId: string; error: unknown }[] = [];
    const permanent: { subscriberId: string; error: unknown }[] = [];
    let leftForLater = 0;
    const held = await lockPage(jobId, digests);
    const fail = (subscriberId: string, error: unknown) => {
      // The sender has recorded and reported the outcome; a bounce is not worth a retry.
      if (error instanceof UnrecoverableError) permanent.push({ subscriberId, error });
      else transient.push({ subscriberId, error });
    };
    const count = (outcome: DigestOutcome) => (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);
    try {
      for (const digest of digests.filter((_, i) => !held[i])) {
        fail(digest.subscriberId, new DigestBusyError(`digest ${digest.periodKey} is being sent by another job`));
      }
      const mine = digests.filter((_, i) => held[i]);
      const sends: Promise<void>[] = [];
      const notStarted: ClaimedDigest[] = [];
      const sendClaimed = (claimed: ClaimedDigest, started: () => void) =>
        sends.push(
          (async () => {
            try {
              const delivered = await inSlot(async () => {
                started();
                return stopping() ? undefined : deps.sender.deliver(claimed);
              });
              if (delivered === undefined) notStarted.push(claimed);
              else count(await deps.sender.finished(delivered));
            } catch (error) {
              fail(claimed.job.subscriberId, error);
            }
          })(),
        );
      let claimedUpTo = 0;
      while (claimedUpTo < mine.length && !stopping()) {
        const batch = mine.slice(claimedUpTo, claimedUpTo + claimBatch);
        await inClaims(async () => {
          if (stopping()) return;
          claimedUpTo += batch.length;
          let claims: DigestClaim[];
          try {
            claims = await deps.sender.claim(batch);
          } catch (error) {
            for (const digest of batch) fail(digest.subscriberId, error);
            return;
          }
          // The next batch (of any job) is claimed once this one's digests all have a send slot.
          await Promise.all(
            claims.map((claim) => {
              if ('outcome' in claim) {
                count(claim.outcome);
                return undefined;
              }
              return new Promise<void>((started) => sendClaimed(claim.claimed, started));
            }),
          );
        });
      }
      leftForLater += mine.length - claimedUpTo;
      await Promise.all(sends);
      if (notStarted.length > 0) {
        leftForLater += notStarted.length;
        // Given back, so the job's next run claims them afresh: nothing was attempted.
        await deps.sender.release(notStarted).catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'digest claims not released; their next run counts one attempt more');
        });
      }
    } finally {
      await unlockPage(
        jobId,
        digests.filter((_, i) => held[i]),
      );
    }
    const summary = (failures: { subscriberId: string; error: unknown }[], what: string) => {
      const first = failures[0]!;
      const detail = first.error instanceof Error ? first.error.message : String(first.error);
      return `${failures.length} of ${digests.length} digests ${what} (first, subscriber ${first.subscriberId}: ${detail})`;
    };
    if (transient.length > 0) {
      for (const failure of transient)
        deps.logger.warn(
          { subscriberId: failure.subscriberId, err: failure.error },
          'digest not sent; retried with its job',
        );
      throw new Error(summary(transient, 'not sent yet; the job is retried'));
    }
    if (leftForLater > 0) return { outcomes, leftForLater };
    if (permanent.length > 0) throw new UnrecoverableError(summary(permanent, 'refused permanently'));
    return { outcomes, leftForLater };
  }

  return { sendPage };
}

export type DigestPageSender = ReturnType<typeof createDigestPageSender>;
