import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIALECTS } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { xmllint, xpathString } from '../feeds/feed-consumers';
import {
  type PartnerHandler,
  type PartnerServer,
  type SourcesEngine,
  addSourceAndWait,
  pollNowAndWait,
  postsOfSource,
  rssFeed,
  serveFeed,
  startPartnerServer,
  startSourcesEngine,
} from './support';

/** Streams `totalBytes` of a feed-looking body in 64 KiB chunks, never holding it all in memory. */
function hugeBody(totalBytes: number): PartnerHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>');
    const chunk = Buffer.from('<item><title>x</title></item>'.repeat(2260));
    let sent = 0;
    let stopped = false;
    res.on('close', () => (stopped = true));
    const pump = (): void => {
      while (!stopped && sent < totalBytes) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!stopped) res.end('</channel></rss>');
    };
    pump();
  };
}

/** Sends headers and then a byte every 100 ms, forever: only our deadline ends it. */
const slowLoris: PartnerHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/rss+xml' });
  res.write('<?xml version="1.0"?><rss version="2.0"><channel>');
  const timer = setInterval(() => res.write(' '), 100);
  res.on('close', () => clearInterval(timer));
};

const HOSTILE_ITEM = `<item><title>Free pizza &lt;script&gt;alert(0)&lt;/script&gt;</title><link>https://partner.example/pizza</link><guid>pizza</guid>
<content:encoded><![CDATA[<p>Hello</p><script>alert(1)</script><img src="https://partner.example/p.png" onerror="alert(2)"><a href="javascript:alert(3)">click</a><iframe src="https://evil.example/"></iframe><p style="x" onclick="alert(4)">bye</p>]]></content:encoded></item>`;

describe.each(DIALECTS)('partner feeds that misbehave (%s)', (dialect) => {
  let engine: SourcesEngine;
  let partner: PartnerServer;
  let feed: FeedInstance;
  let workDir: string;

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    partner = await startPartnerServer();
    feed = await startFeedInstance(engine.database.db, engine.ingest.redisPrefix);
    workDir = mkdtempSync(path.join(tmpdir(), 'careerfeed-bad-partners-'));
    partner.routes.set(
      '/invalid.xml',
      serveFeed(() => '<rss version="2.0"><channel><item><title>Broken</ti', 'application/rss+xml'),
    );
    partner.routes.set('/huge.xml', hugeBody(50 * 1024 * 1024));
    partner.routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    partner.routes.set('/slow.xml', slowLoris);
    partner.routes.set(
      '/page.html',
      serveFeed(
        () => '<!doctype html><html><head><title>Our blog</title></head><body><h1>News</h1></body></html>',
        'text/html',
      ),
    );
    partner.routes.set('/gone.xml', (_req, res) => res.writeHead(404).end());
  });

  afterAll(async () => {
    await feed.close();
    await engine.close();
    await partner.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  test.each([
    ['invalid XML', '/invalid.xml', 'INVALID_FEED'],
    ['a 50 MB body', '/huge.xml', 'TOO_LARGE'],
    ['a redirect loop', '/loop', 'TOO_MANY_REDIRECTS'],
    ['a server trickling bytes (slow loris)', '/slow.xml', 'TIMEOUT'],
    ['an HTML page instead of a feed', '/page.html', 'NOT_A_FEED'],
    ['a 404', '/gone.xml', 'HTTP_STATUS'],
  ])(
    'when the partner sends %s, then the error is recorded on the source, nothing is stored and polling backs off',
    async (_name, route, code) => {
      const source = await addSourceAndWait(engine, { url: `${partner.origin}${route}`, interval_minutes: 10 });

      expect(source.health).toMatchObject({
        last_success_at: null,
        consecutive_failures: 1,
        items_count: 0,
        last_error: { code, at: source.health.last_poll_at },
      });
      expect(source.health.last_error!.message.length).toBeGreaterThan(0);
      expect(await postsOfSource(engine, source.id)).toEqual([]);
      expect(await engine.registry.metrics()).toMatch(new RegExp(`source_polls_total\\{outcome="${code}"\\} [1-9]`));

      // A second failure waits twice the interval.
      const again = await pollNowAndWait(engine, source.id);
      expect(again.health.consecutive_failures).toBe(2);
      const wait = Date.parse(again.health.next_poll_at) - Date.parse(again.health.last_poll_at!);
      expect(wait).toBe(20 * 60_000);
    },
  );

  test('when items lack guid and link or repeat a guid, then the clean items are syndicated once and the rest counted', async () => {
    partner.routes.set(
      '/messy.xml',
      serveFeed(
        () =>
          rssFeed(`<item><title>Only a link</title><link>https://partner.example/only-link</link></item>
<item><title>Nothing to know me by</title><description>lost</description></item>
<item><title>First copy</title><guid>dup</guid></item>
<item><title>Second copy</title><guid>dup</guid></item>`),
        'application/rss+xml',
      ),
    );
    const source = await addSourceAndWait(engine, { url: `${partner.origin}/messy.xml` });

    expect(source.health.last_error).toBeNull();
    expect(source.health.last_poll).toMatchObject({ items: 2, created: 2, skipped: 1, duplicates: 1 });
    const posts = await postsOfSource(engine, source.id);
    expect(posts.map((p) => [p.external_id, p.title]).sort()).toEqual([
      ['dup', 'First copy'],
      ['https://partner.example/only-link', 'Only a link'],
    ]);
  });

  test('when an item carries hostile HTML, then scripts, event handlers and javascript: URLs are stripped and our feeds stay valid', async () => {
    partner.routes.set(
      '/hostile.xml',
      serveFeed(() => rssFeed(HOSTILE_ITEM), 'application/rss+xml'),
    );
    const source = await addSourceAndWait(engine, { url: `${partner.origin}/hostile.xml` });

    const [post] = await postsOfSource(engine, source.id);
    const html = post!.html as string;
    expect(html).toContain('<p>Hello</p>');
    expect(html).toContain('<img src="https://partner.example/p.png"');
    expect(html).not.toMatch(/<script|onerror|onclick|javascript:|<iframe|style=/i);
    // An RSS title is HTML by convention: its markup is stripped (with the script's body), leaving plain text.
    expect(post!.title).toBe('Free pizza');

    const rss = await feed.request.get('/feed.xml');
    const file = path.join(workDir, `hostile-${dialect}.xml`);
    writeFileSync(file, rss.text);
    expect(xmllint(file).status).toBe(0);
    // The title is plain text; the markup that reaches readers is the sanitized content.
    const content = xpathString(file, '//item[contains(title, "Free pizza")]/*[local-name()="encoded"]');
    expect(content).toContain('<p>Hello</p>');
    expect(content).not.toMatch(/<script|onerror|onclick|javascript:|<iframe/i);
    const page = await feed.request.get(`/posts/${post!.slug as string}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<script>alert|onerror=|javascript:alert/i);
  });

  test('when the partner answers 429 with Retry-After in seconds, then the error is RATE_LIMITED and the next poll waits that long', async () => {
    partner.routes.set('/limited.xml', (_req, res) => res.writeHead(429, { 'retry-after': '5400' }).end());
    const source = await addSourceAndWait(engine, { url: `${partner.origin}/limited.xml`, interval_minutes: 5 });

    expect(source.health.last_error?.code).toBe('RATE_LIMITED');
    expect(Date.parse(source.health.next_poll_at) - Date.parse(source.health.last_poll_at!)).toBe(5400_000);
  });

  test('when the partner answers 503 with Retry-After, then the next poll waits that long; the next success resets the failures', async () => {
    let unavailable = true;
    const good = serveFeed(() => rssFeed('<item><title>Back</title><guid>back-1</guid></item>'), 'application/rss+xml');
    partner.routes.set('/busy.xml', (req, res) => {
      if (unavailable) res.writeHead(503, { 'retry-after': '7200' }).end();
      else good(req, res);
    });
    const failed = await addSourceAndWait(engine, { url: `${partner.origin}/busy.xml`, interval_minutes: 5 });
    expect(failed.health.last_error?.code).toBe('HTTP_STATUS');
    expect(Date.parse(failed.health.next_poll_at) - Date.parse(failed.health.last_poll_at!)).toBe(7200_000);

    unavailable = false;
    const recovered = await pollNowAndWait(engine, failed.id);
    expect(recovered.health).toMatchObject({ consecutive_failures: 0, items_count: 1 });
    expect(recovered.health.last_success_at).toBe(recovered.health.last_poll_at);
    // The last error stays visible, with its time, for whoever looks into the source's history.
    expect(recovered.health.last_error?.code).toBe('HTTP_STATUS');
    expect(Date.parse(recovered.health.next_poll_at) - Date.parse(recovered.health.last_poll_at!)).toBe(5 * 60_000);
  });
});
