import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { feedparserPoll, htmlElementNames, newsboatOverHttp, relatedPostsListIn } from '../feeds/feed-consumers';
import { HOSTILE_TITLE_AS_STORED, seedBlog } from '../pages/blog-fixture';

/**
 * What the issue calls done for readers: someone adds the feed's URL to a real reader (newsboat,
 * fetching over HTTP from the running feed service) and sees full posts with their related
 * links. newsboat 2.21 keeps the ETag and Last-Modified it gets but does not send them back (seen
 * here: its second poll carries neither), so the conditional poll is Python feedparser's, used
 * as its documentation advises.
 */
describe.each(['feed.xml', 'feed.atom'])('newsboat subscribed to /%s over HTTP', (file) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let origin: string;
  let workDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    await seedBlog(ingest);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
    origin = feed.origin;
    workDir = mkdtempSync(path.join(tmpdir(), 'careerfeed-newsboat-'));
  });

  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('when the feed URL is added and reloaded, then every post is there in full with its related posts, and the next poll changes nothing', async () => {
    const served = (await (await fetch(`${origin}/feed.json`)).json()) as { items: { id: string; title: string }[] };
    const first = await newsboatOverHttp(`${origin}/${file}`, workDir);

    expect(first.summary).toBe(`${served.items.length} unread articles`);
    expect(first.items.map((item) => item.guid).sort()).toEqual(served.items.map((item) => item.id).sort());
    // The whole post, not an excerpt: its later paragraphs and list are in what the reader shows.
    const resume = first.items.find((item) => item.title === 'Résumé basics')!;
    expect(resume.content).toContain('Keep it to one page.');
    expect(resume.content).toContain('Consistent dates');
    expect(relatedPostsListIn(resume.content)).toEqual([
      { href: `${PUBLIC_BASE_URL}/posts/interview-prep`, text: 'Interview preparation' },
      { href: `${PUBLIC_BASE_URL}/posts/networking-101`, text: 'Networking 101' },
    ]);
    // The hostile post arrived as inert text and markup.
    const hostile = first.items.find((item) => item.title === HOSTILE_TITLE_AS_STORED)!;
    expect(hostile).toBeDefined();
    expect(htmlElementNames(hostile.content)).not.toContain('script');
    expect(relatedPostsListIn(hostile.content)).toEqual([
      { href: `${PUBLIC_BASE_URL}/posts/resume-basics`, text: 'Résumé basics' },
    ]);

    const second = await newsboatOverHttp(`${origin}/${file}`, workDir);
    // Nothing new, nothing lost, nothing twice: the next poll leaves the same articles.
    expect(second.summary).toBe(first.summary);
    expect(second.items.map((item) => item.guid)).toEqual(first.items.map((item) => item.guid));
  });

  test('when a reader polls again with the validators it got, then the answer is 304 with no body', async () => {
    const poll = await feedparserPoll(`${origin}/${file}`);

    expect(poll.first).toMatchObject({ status: 200, bozo: false });
    expect(poll.first.entries).toBeGreaterThan(0);
    expect(poll.first.etag).toMatch(/^"[^"]+"$/);
    expect(poll.second).toMatchObject({ status: 304, entries: 0 });
  });
});
