import fs from 'node:fs';
import path from 'node:path';
import { DIALECTS } from '../helpers/databases';
import {
  type PartnerServer,
  type SourcesEngine,
  addSourceAndWait,
  pollNowAndWait,
  postsOfSource,
  startPartnerServer,
  startSourcesEngine,
} from './support';

const REST = path.join(__dirname, '..', '..', 'fixtures', 'wordpress', 'rest');
const fixture = (name: string) => fs.readFileSync(path.join(REST, name), 'utf8');

describe.each(DIALECTS)('a WordPress site as a partner source (%s)', (dialect) => {
  let engine: SourcesEngine;
  let site: PartnerServer;
  let restOff: PartnerServer;
  /** The query strings the REST route was asked with, in order. */
  const restQueries: URLSearchParams[] = [];

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    site = await startPartnerServer();
    site.routes.set('/wp-json/wp/v2/posts', (req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      restQueries.push(query);
      const headers = { 'content-type': 'application/json; charset=UTF-8' };
      if (query.has('modified_after')) {
        res
          .writeHead(200, { ...headers, 'x-wp-total': '1', 'x-wp-totalpages': '1' })
          .end(fixture('posts-modified-after.json'));
        return;
      }
      const page = query.get('page') ?? '1';
      if (page !== '1' && page !== '2') {
        res.writeHead(400, headers).end('{"code":"rest_post_invalid_page_number"}');
        return;
      }
      res
        .writeHead(200, { ...headers, 'x-wp-total': '3', 'x-wp-totalpages': '2' })
        .end(fixture(`posts-page-${page}.json`));
    });
    // A site whose REST API a security plugin turned off: /wp-json answers 401; its feed still works.
    restOff = await startPartnerServer();
    restOff.routes.set('/wp-json/wp/v2/posts', (_req, res) =>
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(
          '{"code":"rest_login_required","message":"REST API restricted to authenticated users.","data":{"status":401}}',
        ),
    );
    restOff.routes.set('/feed/', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=UTF-8' }).end(fixture('feed.xml')),
    );
  });

  afterAll(async () => {
    await engine.close();
    await site.close();
    await restOff.close();
  });

  let sourceId = '';

  test('when a WordPress site is added, then all pages of its REST posts become posts with authors, terms and featured images', async () => {
    const source = await addSourceAndWait(engine, { url: site.origin, kind: 'wordpress' });
    sourceId = source.id;
    expect(source.kind).toBe('wordpress');
    expect(source.health).toMatchObject({
      last_error: null,
      items_count: 3,
      last_poll: { status: 200, format: 'wordpress', items: 3, created: 3, updated: 0, skipped: 0 },
    });
    // Both pages (X-WP-TotalPages: 2), newest change last, everything embedded, no cursor yet.
    expect(restQueries.map((q) => q.get('page'))).toEqual(['1', '2']);
    expect(restQueries[0]!.get('_embed')).not.toBeNull();
    expect(restQueries[0]!.get('orderby')).toBe('modified');
    expect(restQueries[0]!.has('modified_after')).toBe(false);

    const posts = await postsOfSource(engine, source.id);
    const byId = new Map(posts.map((p) => [p.external_id, p]));
    expect(byId.get(`${site.origin}/?p=501`)).toMatchObject({
      title: 'Mentoring program opens – apply now',
      status: 'published',
      published_at: '2026-11-01T14:00:00Z',
      canonical_url: 'https://alumni.example.edu/2026/11/mentoring-program-opens/',
      image: 'https://alumni.example.edu/wp-content/uploads/2026/11/mentors.jpg',
      category: 'mentoring',
      tags: ['alumni'],
      excerpt: 'Sign up to be matched with an alumna. […]',
      author: { name: 'Priya Raman', bio: 'Alumni relations officer.' },
    });
    // Relative links resolve against the post's own address.
    expect(byId.get(`${site.origin}/?p=501`)!.html).toContain(
      'src="https://alumni.example.edu/wp-content/uploads/2026/11/mentors.jpg"',
    );
    // Further categories become tags, after the post's own tags.
    expect(byId.get(`${site.origin}/?p=502`)).toMatchObject({
      category: 'events',
      tags: ['networking', 'alumni', 'mentoring'],
    });
    // An author the site does not expose (embedded error) is credited as the site.
    expect(byId.get(`${site.origin}/?p=503`)).toMatchObject({
      title: '求職セミナー',
      category: null,
      author: { name: new URL(site.origin).host },
    });
  });

  test('when the site is polled again, then it asks only for posts modified since its cursor and updates the edited one', async () => {
    restQueries.length = 0;
    const before = await postsOfSource(engine, sourceId);
    const source = await pollNowAndWait(engine, sourceId);
    expect(source.health.last_poll).toMatchObject({ format: 'wordpress', items: 1, created: 0, updated: 1 });
    expect(restQueries).toHaveLength(1);
    // The cursor was the latest modified_gmt read (2026-11-05T12:00:00Z), asked from 14 hours earlier.
    expect(restQueries[0]!.get('modified_after')).toBe('2026-11-04T22:00:00Z');

    const after = await postsOfSource(engine, sourceId);
    expect(after).toHaveLength(before.length);
    const edited = after.find((p) => p.external_id === `${site.origin}/?p=502`)!;
    expect(edited.html).toContain('Student Union ballroom');

    const next = await pollNowAndWait(engine, sourceId);
    expect(next.health.last_poll).toMatchObject({ items: 1, created: 0, updated: 0, unchanged: 1 });
    expect(restQueries.at(-1)!.get('modified_after')).toBe('2026-11-19T18:00:00Z');
  });

  test('when the site has its REST API off, then its RSS feed is read instead', async () => {
    const source = await addSourceAndWait(engine, { url: restOff.origin, kind: 'wordpress' });
    expect(source.health).toMatchObject({ last_error: null, last_poll: { format: 'rss', items: 1, created: 1 } });
    expect(restOff.requests.map((r) => r.path)).toEqual(['/wp-json/wp/v2/posts', '/feed/']);
    const posts = await postsOfSource(engine, source.id);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      title: 'Clerkship season is here',
      external_id: 'https://law.example.edu/?p=88',
      author: { name: 'Dana Whitfield' },
      canonical_url: 'https://law.example.edu/2026/11/19/clerkship-season/',
    });
  });

  test('when a source is added with an unknown kind, then it is refused with 400 naming the field', async () => {
    const response = await engine.ingest.request
      .post('/v1/sources')
      .set('Authorization', engine.admin)
      .send({ url: 'https://blog.example.edu', kind: 'blogger' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'kind', message: 'must be "feed" or "wordpress"' }]);
  });
});
