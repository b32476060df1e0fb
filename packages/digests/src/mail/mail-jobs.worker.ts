import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type MailMessage, type Mailer, classifyMailError } from './mailer';

/**
 * Sends one message; a permanent SMTP refusal (a bounce) ends the job instead of retrying it,
 * anything else is thrown for BullMQ to retry on the job's backoff.
 */
export async function sendOrBounce(mailer: Mailer, message: MailMessage): Promise<void> {
  try {
    await mailer.send(message);
  } catch (error) {
    if (classifyMailError(error) === 'permanent') {
      throw new UnrecoverableError(`permanent SMTP failure: ${error instanceof Error ? error.message : String(error)}`);
    }
    throw error;
  }
}

/**
 * The worker of a queue of mail jobs (confirmations, comment mails): each job's data is checked
 * against `schema` again here (the producer may be another version), five at a time, within the
 * deployment's mail rate.
 */
export function createMailJobsWorker<S extends z.ZodType>(options: {
  queue: string;
  /** Names the jobs in errors and logs, e.g. "comment mail". */
  what: string;
  schema: S;
  handle: (data: z.infer<S>, createdAt: Date) => Promise<string>;
  connection: Redis;
  prefix: string;
  mailRatePerSecond: number;
  logger: Logger;
}): Worker {
  const worker = new Worker(
    options.queue,
    async (job: Job) => {
      const parsed = options.schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid ${options.what} job: ${parsed.error.message}`);
      return options.handle(parsed.data, new Date(job.timestamp));
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: 5,
      ...(options.mailRatePerSecond > 0 ? { limiter: { max: options.mailRatePerSecond, duration: 1000 } } : {}),
    },
  );
  worker.on('error', (error) => options.logger.warn({ err: error }, `${options.queue} worker error`));
  worker.on('failed', (job, error) => options.logger.warn({ jobId: job?.id, err: error }, `${options.what} failed`));
  return worker;
}
