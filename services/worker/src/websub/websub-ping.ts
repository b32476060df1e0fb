import { type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  WEBSUB_PING_JOB,
  WEBSUB_PING_QUEUE,
  feedUrlsOfScopes,
  websubPingJobId,
  websubPingJobSchema, openWebSubPingQueue } from '@careerfeed/jobs';

/**
 * WebSub publishing (https://www.w3.org/TR/websub/): when WEBSUB_HUB_URL is set, every change
 * sends the hub a `hub.mode=publish` ping for each feed it touched, so subscribers hear about it
 * without polling. One job per change (job id from the event id, so a redelivered event pings
 * once); the job POSTs one request per feed URL, since hubs disagree on several `hub.url` in one
 * request. Only the URLs that failed are retried, with exponential backoff.
 */
const PING_TIMEOUT_MS = 5_000;

/** Queues the pings for the feeds a change touched (scope keys as `announceFeedChanges` returns them). */
export async function enqueueWebSubPing(
  queue: Queue,
  publicBaseUrl: string,
  eventId: string,
  scopeKeys: string[],
): Promise<void> {
  const urls = feedUrlsOfScopes(publicBaseUrl, scopeKeys);
  if (urls.length === 0) return;
  await queue.add(
    WEBSUB_PING_JOB,
    { urls },
    {
      jobId: websubPingJobId(eventId),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
}

/** One publish ping: `hub.mode=publish&hub.url=<feed>` as a form; any 2xx is success. */
export async function pingHub(hubUrl: string, feedUrl: string, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  const response = await fetch(hubUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feedUrl }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  // The body is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) throw new Error(`hub answered ${response.status}`);
}

export interface WebSubPingWorkerDeps {
  connection: Redis;
  prefix: string;
  hubUrl: string;
  logger: Logger;
  timeoutMs?: number;
}

export function createWebSubPingWorker(deps: WebSubPingWorkerDeps): Worker {
  const worker = new Worker(
    WEBSUB_PING_QUEUE,
    async (job: Job) => {
      const parsed = websubPingJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid websub ping job: ${parsed.error.message}`);
      const outcomes = await Promise.allSettled(
        parsed.data.urls.map((url) => pingHub(deps.hubUrl, url, deps.timeoutMs)),
      );
      const failed = parsed.data.urls.filter((_, i) => outcomes[i]!.status === 'rejected');
      if (failed.length === 0) return { pinged: parsed.data.urls.length };
      const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
      deps.logger.warn({ jobId: job.id, failed, reasons: [...new Set(reasons)] }, 'websub ping failed');
      // The next attempt pings only the feeds the hub has not acknowledged.
      await job.updateData({ urls: failed });
      throw new Error(`websub hub refused ${failed.length} of ${parsed.data.urls.length} pings: ${reasons[0]}`);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 2 },
  );
  worker.on('error', (error) => deps.logger.warn({ err: error }, 'websub ping worker error'));
  worker.on('failed', (job, error) => deps.logger.warn({ jobId: job?.id, err: error }, 'websub ping job failed'));
  return worker;
}

export interface WebSubPublisher {
  /** Queues the pings for the feeds a change touched; nothing when no hub is configured. */
  notify(eventId: string, scopeKeys: string[]): Promise<void>;
  /** The queue, for the dashboard; undefined when no hub is configured. */
  readonly queue: Queue | undefined;
  close(): Promise<void>;
}

/** The WebSub side of the worker as configured: a queue and its worker when `hubUrl` is set, else nothing at all. */
export function createWebSubPublisher(deps: {
  hubUrl: string | undefined;
  publicBaseUrl: string;
  connection: Redis;
  prefix: string;
  logger: Logger;
  timeoutMs?: number;
}): WebSubPublisher {
  const { hubUrl } = deps;
  if (!hubUrl) return { notify: async () => undefined, queue: undefined, close: async () => undefined };
  const queue = openWebSubPingQueue(deps.connection, deps.prefix);
  const worker = createWebSubPingWorker({ ...deps, hubUrl });
  return {
    notify: (eventId, scopeKeys) => enqueueWebSubPing(queue, deps.publicBaseUrl, eventId, scopeKeys),
    queue,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
