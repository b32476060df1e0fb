import { FeedCache } from '@careerfeed/feeds';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import supertest from 'supertest';
import type { Db } from '@careerfeed/db';
import { type ConfirmationMailQueue, createConfirmationMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { createFeedApp, subscribeToFeedInvalidations } from '@careerfeed/feed';
import { PUBLIC_BASE_URL } from './ingest';
import { testRedisErrors } from './redis-errors';

export interface FeedInstance {
  request: supertest.Agent;
  /**
   * GET (or `method`) over a real socket with the bytes as sent (supertest would decompress them);
   * `rawHeaders` are the header lines as sent: names in their spelling, in order, repeats kept.
   */
  rawGet(
    path: string,
    headers: Record<string, string>,
    method?: string,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }>;
  cache: FeedCache;
  /** The address the instance listens on, e.g. http://127.0.0.1:41234. */
  origin: string;
  close(): Promise<void>;
}

/** One feed-service instance: its own cache, subscribed to invalidations under `redisPrefix`. */
export async function startFeedInstance(
  db: Db,
  redisPrefix: string,
  options: {
    redisUrl?: string;
    now?: () => Date;
    websubHubUrl?: string;
    trustProxy?: boolean;
    /** Defaults to a queue on the same Redis under `redisPrefix`. */
    subscriptionMails?: ConfirmationMailQueue;
    subscribeLimits?: Parameters<typeof createFeedApp>[0]['subscribeLimits'];
    commentLimits?: Parameters<typeof createFeedApp>[0]['commentLimits'];
    commentMails?: Parameters<typeof createFeedApp>[0]['commentMails'];
    notifyNewComments?: boolean;
    /** Defaults to a silent one. */
    logger?: Logger;
    /** URLs per sitemap file (default 50,000): lower it to reach the sitemap index cheaply. */
    sitemapMaxUrls?: number;
    /** DATA_DIR/media of the console's uploads. */
    mediaDir?: string;
  } = {},
): Promise<FeedInstance> {
  const redisUrl = options.redisUrl ?? process.env.TEST_REDIS_URL!;
  const redis: Redis = createRedisConnection(redisUrl, 'producer', testRedisErrors());
  const subscriber: Redis = createRedisConnection(redisUrl, 'worker', testRedisErrors());
  const cache = new FeedCache(60_000);
  const subscriptionMails = options.subscriptionMails ?? createConfirmationMailQueue(redis, redisPrefix);
  const logger = options.logger ?? pino({ level: 'silent' });
  await subscribeToFeedInvalidations(subscriber, redisPrefix, cache, logger);
  const app = createFeedApp({
    db,
    redis,
    redisPrefix,
    subscriptionMails,
    trustProxy: options.trustProxy,
    subscribeLimits: options.subscribeLimits,
    commentLimits: options.commentLimits,
    commentMails: options.commentMails,
    notifyNewComments: options.notifyNewComments,
    logger,
    cache,
    publicBaseUrl: PUBLIC_BASE_URL,
    websubHubUrl: options.websubHubUrl,
    now: options.now,
    ...(options.sitemapMaxUrls === undefined ? {} : { sitemapMaxUrls: options.sitemapMaxUrls }),
    mediaDir: options.mediaDir,
  });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    request: supertest.agent(app),
    rawGet: (path, headers, method = 'GET') =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, headers, method }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                rawHeaders: res.rawHeaders,
                body: Buffer.concat(chunks),
              }),
            );
          })
          .on('error', reject);
      }),
    cache,
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (!options.subscriptionMails) await subscriptionMails.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
