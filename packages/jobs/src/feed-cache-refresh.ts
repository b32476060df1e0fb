import http from 'node:http';
import https from 'node:https';
import { feedUrlsOfScopes } from './feed-urls';

/** What the refresher logs through: a pino logger fits. */
export interface FeedCacheRefreshLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

export interface FeedCacheRefresherOptions {
  /** FEED_CACHE_REFRESH_URL: nginx's refresh server (deploy/nginx/careerfeed.conf, port 8081). */
  refreshUrl: string;
  /** PUBLIC_BASE_URL: the feeds' paths and the Host readers send, which is in nginx's cache key. */
  publicBaseUrl: string;
  logger: FeedCacheRefreshLogger;
  /** Per request (default 5 s): a refresh that hangs must not hold the ones behind it for long. */
  timeoutMs?: number;
  /** Feeds refreshed at the same time (default 4): each costs the service a render and two compressions. */
  concurrency?: number;
}

export interface FeedCacheRefresher {
  /**
   * Queues the feeds of these scope keys (as announced on the feed-invalidation channel) for a
   * refresh and returns at once; never throws. Call it after the announcement is published, so
   * that the feed instances have dropped their copies before nginx asks them again.
   */
  refresh(scopeKeys: string[]): void;
  /** Resolves once nothing is queued or under way. */
  idle(): Promise<void>;
  /** Drops what is queued, waits for the requests under way, closes the connections. */
  close(): Promise<void>;
}

/**
 * The Accept-Encoding values that give each variant nginx stores of a feed (it keys feeds on the
 * encoding it negotiated: none, gzip or brotli). The plain one first: that request renders the feed
 * on the instance; the other two then reuse the rendering, compressing it at the same time.
 */
const PLAIN = '';
const COMPRESSED = ['gzip', 'br'] as const;

/**
 * Re-fetches changed feeds through nginx's refresh server, which always asks the feed service
 * and stores the answer where readers' requests find it: stock nginx has no purge, and this makes
 * a change visible through the cache at once instead of after the copy's lifetime (whole seconds).
 *
 * Feeds are queued in a set and drained in the background, so a burst of changes (an import)
 * refreshes each feed once per round instead of once per change, and the job that announced the
 * change never waits for nginx. A failure is logged and forgotten: nginx revalidates every copy
 * after `s-maxage` anyway. Only the feeds' first pages at the default size are refreshed (the URLs
 * readers subscribe to); other pages, and everything for a "*" announcement but the site's feeds,
 * wait for that revalidation.
 */
export function createFeedCacheRefresher(options: FeedCacheRefresherOptions): FeedCacheRefresher {
  const { logger, publicBaseUrl } = options;
  const target = new URL(options.refreshUrl);
  const host = new URL(publicBaseUrl).host;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const concurrency = options.concurrency ?? 4;
  const client = target.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: concurrency * COMPRESSED.length });

  const queued = new Set<string>();
  let draining: Promise<void> | undefined;
  let closed = false;

  function refreshVariant(path: string, acceptEncoding: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = client.request(
        new URL(path, target),
        {
          method: 'HEAD',
          agent,
          timeout: timeoutMs,
          headers: { host, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            // A 404 (a tag that no longer exists) is the feed's true answer and is stored too; a
            // 5xx left the old copy in place. BYPASS says the refresh server took the path for a
            // feed and stored the answer: anything else is a wrong URL (the public server, a path
            // outside the feeds), which would otherwise look like success.
            if (status >= 500) reject(new Error(`${path}: nginx answered ${status}`));
            else if (res.headers['x-cache-status'] !== 'BYPASS') {
              reject(new Error(`${path}: not refreshed (answered ${status} without X-Cache-Status: BYPASS)`));
            } else resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  async function refreshFeed(path: string): Promise<void> {
    const started = performance.now();
    await refreshVariant(path, PLAIN);
    await Promise.all(COMPRESSED.map((encoding) => refreshVariant(path, encoding)));
    logger.debug({ path, ms: Math.round(performance.now() - started) }, 'refreshed a feed in the nginx cache');
  }

  async function drain(): Promise<void> {
    while (queued.size > 0 && !closed) {
      const round = [...queued];
      queued.clear();
      const failures: { path: string; error: unknown }[] = [];
      let next = 0;
      const lane = async () => {
        while (next < round.length && !closed) {
          const path = round[next++]!;
          await refreshFeed(path).catch((error: unknown) => failures.push({ path, error }));
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, round.length) }, lane));
      if (failures.length > 0) {
        logger.warn(
          {
            feeds: round.length,
            failed: failures.length,
            paths: failures.slice(0, 5).map((f) => f.path),
            err: failures[0]!.error,
          },
          'refreshing changed feeds in the nginx cache failed; nginx revalidates them after s-maxage anyway',
        );
      }
    }
  }

  function startDraining(): void {
    if (draining || closed) return;
    // Feeds queued between the last round and this promise settling get a round of their own.
    draining = drain().finally(() => {
      draining = undefined;
      if (queued.size > 0) startDraining();
    });
  }

  return {
    refresh(scopeKeys) {
      if (closed) return;
      // "*" (everything changed) cannot be listed without the database: the site's feeds at least.
      const keys = scopeKeys.includes('*') ? ['site', ...scopeKeys] : scopeKeys;
      for (const url of feedUrlsOfScopes(publicBaseUrl, keys)) {
        const { pathname, search } = new URL(url);
        queued.add(pathname + search);
      }
      startDraining();
    },
    async idle() {
      while (draining) await draining;
    },
    async close() {
      closed = true;
      queued.clear();
      await draining;
      agent.destroy();
    },
  };
}
