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

interface Pending {
  finished: FinishedDelivery;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Records finished digests (sent, or skipped) in shared commits: each `record` resolves once the
 * transaction holding it has committed, so the caller hears "done" only when it is durable, as
 * with a commit of its own. A failed commit fails every digest in it (each is retried with its
 * job, finds its row still `sending` and sends the same message again), as a failed commit of its
 * own would have.
 */
export function createFinishedRecorder(db: Db, delayMs: number) {
  let waiting: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    recordFinishedDeliveries(
      db.kysely,
      batch.map((p) => p.finished),
    ).then(
      () => batch.forEach((p) => p.resolve()),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }

  return {
    record(finished: FinishedDelivery): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ finished, resolve, reject });
        if (waiting.length >= MAX_BATCH) flush();
        else if (timer === undefined) timer = setTimeout(flush, delayMs);
      });
    },
  };
}
