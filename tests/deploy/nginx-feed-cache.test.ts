import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisConnection, feedInvalidationChannel } from '@careerfeed/jobs';
import { createPost } from '@careerfeed/posts';
import { Cleanup } from '../../bench/src/support/cleanup';
import { type NginxServer, startFeedCacheNginx } from '../../bench/src/support/nginx';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { buildPost } from '../helpers/factories';
import { testRedisErrors } from '../helpers/redis-errors';

/**
 * deploy/nginx/careerfeed.conf, run by a real nginx in front of a real feed service: what it
 * stores, how it revalidates, how soon a new post shows through it, and what it never stores.
 */

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('nginx with deploy/nginx/careerfeed.conf in front of the feed service', () => {
  const cleanup = new Cleanup();
  const prefix = `nginx-cache-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let feed: FeedInstance;
  let nginx: NginxServer;
  let publisher: Redis;
  let originPort: number;

  const publish = async (title: string) => {
    await createPost({ db: database.db, publicBaseUrl: PUBLIC_BASE_URL }, buildPost({ title }) as never);
    // What the worker does once the post's event is handled: every feed instance drops the site feed.
    await publisher.publish(feedInvalidationChannel(prefix), JSON.stringify({ scopes: ['site'] }));
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    // The worker role waits for the connection instead of failing fast, as the worker's publisher does.
    publisher = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    await publish('The first post before nginx starts');
    feed = await startFeedInstance(database.db, prefix);
    originPort = Number(new URL(feed.origin).port);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-nginx-'));
    cleanup.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
    nginx = await startFeedCacheNginx(cleanup, dir, originPort);
  });

  afterAll(async () => {
    await cleanup.runAll();
    publisher?.disconnect();
    await feed?.close().catch(() => undefined);
    await database?.drop();
  });

  test('when a feed is asked twice, then the second answer comes from the cache with the service’s bytes and ETag', async () => {
    const origin = await get(originPort, '/feed.json');
    const first = await get(nginx.port, '/feed.json');
    const second = await get(nginx.port, '/feed.json');

    expect(first.status).toBe(200);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.body).toBe(origin.body);
    expect(second.headers.etag).toBe(origin.headers.etag);
    expect(second.headers['cache-control']).toBe(origin.headers['cache-control']);
  });

  test('when a reader sends the ETag it holds, then nginx answers 304 from its cache', async () => {
    const { headers } = await get(nginx.port, '/feed.xml');

    const again = await get(nginx.port, '/feed.xml', { 'If-None-Match': String(headers.etag) });

    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  test('when the stored copy is over a second old and the feed did not change, then nginx revalidates it with the ETag', async () => {
    await get(nginx.port, '/feed.atom');
    await new Promise((resolve) => setTimeout(resolve, 2200));

    const later = await get(nginx.port, '/feed.atom');

    expect(later.status).toBe(200);
    expect(later.headers['x-cache-status']).toBe('REVALIDATED');
  });

  test('when readers spell Accept-Encoding differently, then they share the one copy stored per encoding', async () => {
    const first = await get(nginx.port, '/feed.xml?page=1', { 'Accept-Encoding': 'gzip, deflate, br' });
    const chrome = await get(nginx.port, '/feed.xml?page=1', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    const gzipOnly = await get(nginx.port, '/feed.xml?page=1', { 'Accept-Encoding': 'gzip' });
    const refusesBrotli = await get(nginx.port, '/feed.xml?page=1', { 'Accept-Encoding': 'br;q=0, gzip' });

    expect(first.headers['content-encoding']).toBe('br');
    expect(chrome.headers['content-encoding']).toBe('br');
    // Found in the cache (REVALIDATED when the one-second lifetime ran out in between), never a MISS.
    expect(['HIT', 'REVALIDATED']).toContain(chrome.headers['x-cache-status']);
    expect(gzipOnly.headers['content-encoding']).toBe('gzip');
    expect(refusesBrotli.headers['content-encoding']).toBe('gzip');
    expect(['HIT', 'REVALIDATED']).toContain(refusesBrotli.headers['x-cache-status']);
    // Readers' own caches still see that the answer depends on Accept-Encoding.
    expect(chrome.headers.vary).toContain('Accept-Encoding');
  });

  test('when a post is published without a refresh, then it shows through nginx within about a second of the service showing it', async () => {
    const title = `Published behind nginx ${randomBytes(3).toString('hex')}`;
    await get(nginx.port, '/feed.json'); // a stored copy without the post

    await publish(title);
    const deadline = Date.now() + 10_000;
    while (!(await get(originPort, '/feed.json')).body.includes(title)) {
      if (Date.now() > deadline) throw new Error('the feed service never showed the new post');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const shownByService = Date.now();
    while (!(await get(nginx.port, '/feed.json')).body.includes(title)) {
      if (Date.now() - shownByService > 10_000) throw new Error('nginx never showed the new post');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const lag = Date.now() - shownByService;

    // nginx counts a lifetime of 1 s in whole seconds: up to 2 s, never the 300 s readers keep it.
    expect(lag).toBeLessThanOrEqual(2_500);
  });

  test('when an answer says no-store (a subscription page with a token), then nginx never stores it', async () => {
    const first = await get(nginx.port, '/preferences?token=not-a-token');
    const second = await get(nginx.port, '/preferences?token=not-a-token');

    expect(first.headers['cache-control']).toContain('no-store');
    expect([first.headers['x-cache-status'], second.headers['x-cache-status']]).not.toContain('HIT');
  });

  test('when the feed service is down, then nginx keeps serving the copy it holds', async () => {
    const before = await get(nginx.port, '/feed.xml');
    await feed.close();
    await new Promise((resolve) => setTimeout(resolve, 2200));

    const during = await get(nginx.port, '/feed.xml');

    expect(during.status).toBe(200);
    expect(during.headers['x-cache-status']).toBe('STALE');
    expect(during.body).toBe(before.body);
  });
});
