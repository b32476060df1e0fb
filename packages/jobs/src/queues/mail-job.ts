import type { Queue } from 'bullmq';

/** Retries and retention of every mail job (confirmations, comment notifications). */
export const MAIL_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

/**
 * Adds a mail job from a request: a request must not hang on Redis, so an add that has not been
 * acknowledged within `timeoutMs` is reported as a failure; the job id makes a late arrival of the
 * same add harmless.
 */
export async function addMailJobWithin(
  queue: Queue,
  name: string,
  data: object,
  jobId: string,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not take the job within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([queue.add(name, data, { jobId, ...MAIL_JOB_OPTIONS }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
