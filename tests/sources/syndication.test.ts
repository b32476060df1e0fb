import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSourcePollTick } from '@careerfeed/worker';
import { DIALECTS } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { feedparser, jsonFeedSchemaErrors, xmllint } from '../feeds/feed-consumers';
import {
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

const RSS_ITEMS = `
<item><title>Alumni mentoring opens</title><link>https://alumni.example.edu/posts/mentoring</link>
  <guid isPermaLink="false">alumni-1</guid><dc:creator>Priya Raman</dc:creator>
  <category>Mentoring</category><category>Alumni</category>
  <pubDate>Mon, 23 Nov 2026 09:00:00 -0500</pubDate>
  <content:encoded><![CDATA[<p>Sign up to be matched with an alumna. <a href="/apply">Apply</a></p>]]></content:encoded></item>
<item><title>Networking night</title><link>https://alumni.example.edu/posts/networking</link>
  <guid isPermaLink="false">alumni-2</guid>
  <pubDate>Tue, 24 Nov 2026 18:00:00 GMT</pubDate>
  <description>&lt;p&gt;Meet employers over coffee.&lt;/p&gt;</description></item>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Engineering Careers Office</title><id>urn:eng</id>
<updated>2026-11-20T00:00:00Z</updated>
<entry><id>urn:eng:42</id><title>Co-op deadlines</title><link rel="alternate" href="https://eng.example.edu/news/coop"/>
<author><name>Sam Lee</name></author><category term="co-op"/><published>2026-11-20T12:00:00Z</published>
<updated>2026-11-20T12:00:00Z</updated><content type="html">&lt;p&gt;Apply by Friday.&lt;/p&gt;</content></entry></feed>`;

const JSON_FEED = JSON.stringify({
  version: 'https://jsonfeed.org/version/1.1',
  title: 'Law School Career Office',
  items: [
    {
      id: 'law-7',
      url: 'https://law.example.edu/blog/clerkships',
      title: 'Clerkship season',
      content_html: '<p>Judges are hiring clerks.</p>',
      tags: ['clerkships'],
      date_published: '2026-11-19T08:00:00Z',
    },
  ],
});

describe.each(DIALECTS)('partner-feed syndication (%s)', (dialect) => {
  let engine: SourcesEngine;
  let partner: PartnerServer;
  let feed: FeedInstance;
  let rssItems = RSS_ITEMS;
  let workDir: string;

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    partner = await startPartnerServer();
    partner.routes.set(
      '/rss.xml',
      serveFeed(() => rssFeed(rssItems), 'application/rss+xml; charset=utf-8'),
    );
    partner.routes.set(
      '/atom.xml',
      serveFeed(() => ATOM, 'application/atom+xml'),
    );
    partner.routes.set(
      '/feed.json',
      serveFeed(() => JSON_FEED, 'application/feed+json'),
    );
    feed = await startFeedInstance(engine.database.db, engine.ingest.redisPrefix);
    workDir = mkdtempSync(path.join(tmpdir(), 'careerfeed-sources-'));
  });

  afterAll(async () => {
    await feed.close();
    await engine.close();
    await partner.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const outboxEvents = () =>
    engine.database.db.kysely.selectFrom('outbox_events').select(['type', 'post_id']).orderBy('id').execute();

  let rssSourceId = '';

  test('when an RSS partner is added, then its items become published posts crediting the original author and linking the original', async () => {
    const source = await addSourceAndWait(engine, {
      url: `${partner.origin}/rss.xml`,
      author: 'Alumni Relations',
      category: 'Partner News',
    });
    rssSourceId = source.id;

    expect(source.health).toMatchObject({
      last_error: null,
      consecutive_failures: 0,
      items_count: 2,
      last_poll: { status: 200, items: 2, created: 2, updated: 0, unchanged: 0, skipped: 0 },
    });
    const posts = await postsOfSource(engine, source.id);
    const mentoring = posts.find((p) => p.external_id === 'alumni-1')!;
    expect(mentoring).toMatchObject({
      title: 'Alumni mentoring opens',
      status: 'published',
      canonical_url: 'https://alumni.example.edu/posts/mentoring',
      category: 'partner-news',
      tags: ['mentoring', 'alumni'],
      published_at: '2026-11-23T14:00:00.000Z',
      author: { name: 'Priya Raman' },
    });
    // Relative links in the partner's HTML point at the partner, not at us.
    expect(mentoring.html).toContain('href="https://alumni.example.edu/apply"');
    // The item without an author credits the source's default author.
    expect(posts.find((p) => p.external_id === 'alumni-2')).toMatchObject({ author: { name: 'Alumni Relations' } });
    // Syndicated authors live under a slug of their source, apart from local authors.
    expect((mentoring.author as { slug: string }).slug).toMatch(/^src-[0-9a-f]{8}-priya-raman$/);

    // The same outbox events as API posts: related posts, feed invalidation and digests follow.
    const events = await outboxEvents();
    for (const post of posts) expect(events).toContainEqual({ type: 'post.published', post_id: post.id });
  });

  test('when our feeds and post page are read, then the syndicated posts appear, credited, with the original as canonical, and the feeds stay valid', async () => {
    const rss = await feed.request.get('/feed.xml');
    expect(rss.status).toBe(200);
    const rssFile = path.join(workDir, `feed-${dialect}.xml`);
    writeFileSync(rssFile, rss.text);
    expect(xmllint(rssFile).status).toBe(0);
    const parsed = feedparser(rssFile);
    expect(parsed.bozo).toBe(false);
    const entry = parsed.entries.find((e) => e.title === 'Alumni mentoring opens');
    expect(entry?.author).toContain('Priya Raman');
    expect(rss.text).toContain(
      'Originally published by Priya Raman at <a href="https://alumni.example.edu/posts/mentoring">alumni.example.edu</a>.',
    );

    const atom = await feed.request.get('/feed.atom');
    const atomFile = path.join(workDir, `feed-${dialect}.atom`);
    writeFileSync(atomFile, atom.text);
    expect(xmllint(atomFile).status).toBe(0);
    expect(feedparser(atomFile).entries.map((e) => e.title)).toContain('Networking night');

    const json = await feed.request.get('/feed.json');
    expect(jsonFeedSchemaErrors(json.body)).toEqual([]);
    const item = (json.body.items as Record<string, unknown>[]).find((i) => i.title === 'Alumni mentoring opens');
    expect(item).toMatchObject({
      external_url: 'https://alumni.example.edu/posts/mentoring',
      authors: [{ name: 'Priya Raman' }],
    });

    const [post] = (await postsOfSource(engine, rssSourceId)).filter((p) => p.external_id === 'alumni-1');
    const page = await feed.request.get(`/posts/${post!.slug as string}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<link rel="canonical" href="https://alumni.example.edu/posts/mentoring">');
    expect(page.text).toContain('Originally published at');
  });

  test('when the partner answers 304 to our conditional GET, then the poll succeeds and writes nothing', async () => {
    const postsBefore = await postsOfSource(engine, rssSourceId);
    const eventsBefore = (await outboxEvents()).length;

    const source = await pollNowAndWait(engine, rssSourceId);

    const last = partner.requests.filter((r) => r.path === '/rss.xml').at(-1)!;
    expect(last.headers['if-none-match']).toMatch(/^"/);
    expect(last.headers['if-modified-since']).toBe('Tue, 24 Nov 2026 10:00:00 GMT');
    expect(source.health).toMatchObject({ last_error: null, last_poll: { status: 304, created: 0, updated: 0 } });
    expect(await postsOfSource(engine, rssSourceId)).toEqual(postsBefore);
    expect((await outboxEvents()).length).toBe(eventsBefore);
  });

  test('when a partner edits an item, then its post is updated (post.updated) and the unchanged item is not touched', async () => {
    const before = await postsOfSource(engine, rssSourceId);
    const eventsBefore = (await outboxEvents()).length;
    rssItems = RSS_ITEMS.replace('Meet employers over coffee.', 'Meet employers over coffee and tea.');

    const source = await pollNowAndWait(engine, rssSourceId);

    expect(source.health.last_poll).toMatchObject({ status: 200, created: 0, updated: 1, unchanged: 1 });
    const after = await postsOfSource(engine, rssSourceId);
    const edited = after.find((p) => p.external_id === 'alumni-2')!;
    expect(edited.html).toContain('coffee and tea');
    expect(edited.id).toBe(before.find((p) => p.external_id === 'alumni-2')!.id);
    expect(edited.published_at).toBe(before.find((p) => p.external_id === 'alumni-2')!.published_at);
    const untouched = (list: Record<string, unknown>[]) => list.find((p) => p.external_id === 'alumni-1');
    expect(untouched(after)).toEqual(untouched(before));
    const newEvents = (await outboxEvents()).slice(eventsBefore);
    expect(newEvents).toEqual([{ type: 'post.updated', post_id: edited.id }]);
  });

  test('when an editor unpublishes a syndicated post, then later polls leave it a draft even when the partner edits it', async () => {
    const post = (await postsOfSource(engine, rssSourceId)).find((p) => p.external_id === 'alumni-1')!;
    const unpublished = await engine.ingest.request
      .patch(`/v1/posts/${post.id as string}`)
      .set('Authorization', engine.admin)
      .send({ status: 'draft' });
    expect(unpublished.status).toBe(200);
    rssItems = rssItems.replace('Sign up to be matched', 'Sign up today to be matched');

    const source = await pollNowAndWait(engine, rssSourceId);

    expect(source.health.last_poll).toMatchObject({ status: 200, withheld: 1, updated: 0, unchanged: 1 });
    const after = (await postsOfSource(engine, rssSourceId)).find((p) => p.external_id === 'alumni-1')!;
    expect(after).toMatchObject({ status: 'draft', updated_at: unpublished.body.updated_at });
    expect(after.html).not.toContain('Sign up today');
  });

  test('when Atom and JSON Feed partners are added, then their entries are syndicated with author, link and tags', async () => {
    const atom = await addSourceAndWait(engine, { url: `${partner.origin}/atom.xml` });
    expect(await postsOfSource(engine, atom.id)).toEqual([
      expect.objectContaining({
        title: 'Co-op deadlines',
        external_id: 'urn:eng:42',
        canonical_url: 'https://eng.example.edu/news/coop',
        author: expect.objectContaining({ name: 'Sam Lee' }),
        tags: ['co-op'],
      }),
    ]);

    const json = await addSourceAndWait(engine, { url: `${partner.origin}/feed.json` });
    expect(await postsOfSource(engine, json.id)).toEqual([
      expect.objectContaining({
        title: 'Clerkship season',
        external_id: 'law-7',
        canonical_url: 'https://law.example.edu/blog/clerkships',
        // No author anywhere and no default: the feed's own title is credited.
        author: expect.objectContaining({ name: 'Law School Career Office' }),
        tags: ['clerkships'],
      }),
    ]);
  });

  test('when the tick runs, then only due sources are queued', async () => {
    const now = new Date();
    expect(
      await runSourcePollTick({ db: engine.database.db, queue: engine.ingest.sourcePolls, now: () => now }),
    ).toEqual({
      enqueued: 0,
    });
    const later = new Date(now.getTime() + 2 * 3600_000);
    const { enqueued } = await runSourcePollTick({
      db: engine.database.db,
      queue: engine.ingest.sourcePolls,
      now: () => later,
    });
    expect(enqueued).toBeGreaterThanOrEqual(3);
  });

  test('when a source is deleted, then the source is gone and its posts stay published', async () => {
    const before = await postsOfSource(engine, rssSourceId);
    const response = await engine.ingest.request
      .delete(`/v1/sources/${rssSourceId}`)
      .set('Authorization', engine.admin);
    expect(response.status).toBe(204);
    expect(await postsOfSource(engine, rssSourceId)).toEqual(before);
    expect(
      (await engine.ingest.request.get(`/v1/sources/${rssSourceId}`).set('Authorization', engine.admin)).status,
    ).toBe(404);
  });
});
