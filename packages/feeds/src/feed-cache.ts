import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';

export type FeedEncoding = 'gzip' | 'br';
/** The kinds of answer one entry gives: a 200 in one of its encodings, or a 304. */
export type FeedAnswer = 'identity' | FeedEncoding | 'notModified';

export interface CachedFeed {
  contentType: string;
  identity: Buffer;
  /** Compressed once, on first demand, then served from here. */
  gzip?: Buffer;
  br?: Buffer;
  /** Compressions under way, shared by the requests that wait for them. */
  compressing?: Partial<Record<FeedEncoding, Promise<Buffer>>>;
  /** Strong validator: a hash of the identity bytes, so every instance computes the same one. */
  etag: string;
  /** HTTP date of the newest item change, or null for an empty feed. */
  lastModified: string | null;
  lastModifiedMs: number | null;
  scopeKey: string;
  expiresAt: number;
  /**
   * The response headers of each kind of answer, as `res.writeHead` takes them (name, value, name,
   * value…), made by feed-responses.ts on first use and never changed afterwards.
   */
  headers?: Partial<Record<FeedAnswer, string[]>>;
}

/**
 * Rendered feeds by request key. Entries go when a change touches their scope (a message from the
 * worker), when this instance reconnects to Redis (it may have missed messages), or after `ttlMs`
 * as a backstop (e.g. a scheduled post whose time has come).
 */
export class FeedCache {
  private readonly entries = new Map<string, CachedFeed>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5000,
  ) {}

  get(key: string, now = Date.now()): CachedFeed | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(
    key: string,
    feed: { contentType: string; body: string; lastModifiedMs: number | null; scopeKey: string },
    now = Date.now(),
  ): CachedFeed {
    // Insertion order doubles as age: dropping the oldest key keeps memory bounded.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const identity = Buffer.from(feed.body, 'utf8');
    const entry: CachedFeed = {
      contentType: feed.contentType,
      identity,
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 32)}"`,
      lastModified: feed.lastModifiedMs === null ? null : new Date(feed.lastModifiedMs).toUTCString(),
      lastModifiedMs: feed.lastModifiedMs === null ? null : Math.floor(feed.lastModifiedMs / 1000) * 1000,
      scopeKey: feed.scopeKey,
      expiresAt: now + this.ttlMs,
    };
    this.entries.set(key, entry);
    return entry;
  }

  invalidate(scopeKeys: string[]): number {
    if (scopeKeys.includes('*')) return this.clear();
    const wanted = new Set(scopeKeys);
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (wanted.has(entry.scopeKey)) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
  }
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * The entry's bytes in `encoding`, compressed on first demand and kept. The work runs on zlib's
 * thread pool, not the event loop: brotli at quality 9 takes 25–150 ms for a 100 KB feed, and
 * every other request would wait that long. Concurrent requests share one compression.
 */
export function compress(entry: CachedFeed, encoding: FeedEncoding): Promise<Buffer> {
  const ready = entry[encoding];
  if (ready) return Promise.resolve(ready);
  const compressing = (entry.compressing ??= {});
  return (compressing[encoding] ??= (
    encoding === 'gzip'
      ? gzipAsync(entry.identity, { level: 9 })
      : brotliAsync(entry.identity, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: entry.identity.length,
          },
        })
  ).then(
    (bytes) => {
      entry[encoding] = bytes;
      delete compressing[encoding];
      return bytes;
    },
    (error: unknown) => {
      delete compressing[encoding];
      throw error;
    },
  ));
}
