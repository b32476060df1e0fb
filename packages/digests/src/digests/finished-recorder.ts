import { coalesce } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import { type FinishedDelivery, recordFinishedDeliveries } from './digests.repository';

/**
 * How long a finished digest waits for others to share its commit. A worker finishes a digest
 * every few milliseconds, so 20 ms gathers several per commit; it is also how much longer than
 * before a mail accepted by the SMTP server can go unrecorded, so a killed worker resends at most
 * the mails accepted in its last 20 ms (same Message-ID) besides those in flight.
 */
export const RECORD_DELAY_MS = 20;

/** Enough for one commit to carry every digest a busy worker finishes in RECORD_DELAY_MS, and more. */
const MAX_BATCH = 100;

/**
 * Records finished digests (sent, or skipped) in shared commits: each `record` resolves once the
 * transaction holding it has committed, so the caller hears "done" only when it is durable, as
 * with a commit of its own. A failed commit fails every digest in it (each is retried with its
 * job, finds its row still `sending` and sends the same message again), as a failed commit of its
 * own would have.
 */
export function createFinishedRecorder(db: Db, delayMs: number) {
  const record = coalesce(
    async (finished: FinishedDelivery[]) => {
      await recordFinishedDeliveries(db.kysely, finished);
      return finished.map(() => undefined);
    },
    { delayMs, maxItems: MAX_BATCH },
  );
  return { record };
}
