import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FeedCacheRefreshLogger, createFeedCacheRefresher } from './feed-cache-refresh';

/**
 * The refresher's side of the exchange, against a real HTTP server standing where nginx's refresh
 * server would (tests/deploy/nginx-feed-refresh.test.ts runs it against the real nginx).
 */

interface Seen {
  method: string;
  path: string;
  host: string | undefined;
  acceptEncoding: string | undefined;
}

async function startServer(
  cacheStatus: string | undefined,
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      host: req.headers.host,
      acceptEncoding: req.headers['accept-encoding'],
    });
    res.writeHead(200, cacheStatus ? { 'X-Cache-Status': cacheStatus } : {}).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function recordingLogger(): FeedCacheRefreshLogger & { warnings: { details: object; message: string }[] } {
  const warnings: { details: object; message: string }[] = [];
  return { warnings, warn: (details, message) => warnings.push({ details, message }), debug: () => undefined };
}

describe('createFeedCacheRefresher', () => {
  test('when scopes are announced, then each of their feeds is asked for once per encoding, with the public host', async () => {
    const server = await startServer('BYPASS');
    const logger = recordingLogger();
    const refresher = createFeedCacheRefresher({
      refreshUrl: server.url,
      publicBaseUrl: 'https://careers.example.edu',
      logger,
    });

    refresher.refresh(['site', 'tag:résumé']);
    await refresher.idle();
    await refresher.close();
    await server.close();

    const paths = ['/feed.xml', '/feed.atom', '/feed.json', '/tags/r%C3%A9sum%C3%A9/feed.xml'];
    for (const path of paths) {
      const asked = server.seen.filter((s) => s.path === path);
      expect(asked.map((s) => s.acceptEncoding ?? 'none').sort()).toEqual(['br', 'gzip', 'none']);
      expect(asked.every((s) => s.method === 'HEAD' && s.host === 'careers.example.edu')).toBe(true);
    }
    expect(server.seen).toHaveLength(6 * 3);
    expect(logger.warnings).toEqual([]);
  });

  test('when everything changed ("*"), then at least the site feeds are refreshed', async () => {
    const server = await startServer('BYPASS');
    const refresher = createFeedCacheRefresher({
      refreshUrl: server.url,
      publicBaseUrl: 'https://careers.example.edu',
      logger: recordingLogger(),
    });

    refresher.refresh(['*']);
    await refresher.idle();
    await refresher.close();
    await server.close();

    expect([...new Set(server.seen.map((s) => s.path))].sort()).toEqual(['/feed.atom', '/feed.json', '/feed.xml']);
  });

  test('when the URL is not a refresh server (no X-Cache-Status: BYPASS), then a warning says the feeds were not refreshed', async () => {
    const server = await startServer('HIT');
    const logger = recordingLogger();
    const refresher = createFeedCacheRefresher({
      refreshUrl: server.url,
      publicBaseUrl: 'https://careers.example.edu',
      logger,
    });

    refresher.refresh(['site']);
    await refresher.idle();
    await refresher.close();
    await server.close();

    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.details).toMatchObject({ feeds: 3, failed: 3 });
  });
});
