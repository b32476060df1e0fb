import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { buildPost } from '../helpers/factories';
import { htmlProblems, parsePage } from '../pages/page-inspection';
import { componentChecker, fetchDocument } from '../helpers/openapi';

/**
 * /search, /v1/search and /opensearch.xml over HTTP, on both databases: the four states of the
 * page, the API's shape and limits, hostile input (search syntax, SQL, control characters, 10 kB)
 * answered with results, an empty list or a 400 — never a 5xx — and the OpenSearch description
 * checked by xmllint.
 */

const HOSTILE_QUERIES = [
  '"',
  '""',
  '"unterminated phrase',
  '*',
  'intern*',
  'NEAR',
  'NEAR(resume interview, 2)',
  'resume NEAR interview',
  '-resume',
  'resume -interview',
  ':',
  'title:resume',
  '{title}: resume',
  '(',
  ')',
  '(resume OR interview',
  'AND',
  'OR',
  'NOT',
  'resume AND NOT interview',
  'a & b | !c <-> d',
  "'; DROP TABLE posts; --",
  "1' OR '1'='1",
  'SELECT * FROM posts WHERE 1=1',
  '%',
  '_',
  '\\',
  '\u0000',
  'resume\u0000interview',
  '\u0007\u001b[2J\u007f',
  '\uD800',
  '\u202Eevil',
  '🙂 resume',
  'x'.repeat(500),
  'a '.repeat(250),
  ' ',
  '',
];

describe.each(DIALECTS)('search over HTTP on %s', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    const auth = await ingest.bearer();
    const publish = async (overrides: Record<string, unknown>) => {
      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
      expect(res.status).toBe(201);
    };
    for (let i = 1; i <= 12; i++) {
      await publish({
        title: `Resume clinic ${i}`,
        html: `<p>Week ${i}: bring your resume &amp; a <b>printed</b> copy.</p>`,
        tags: ['resumes'],
        published_at: new Date(Date.UTC(2025, 1, i)).toISOString(),
      });
    }
    await publish({ title: 'Internship fair', html: '<p>Meet employers.</p>', tags: ['internships'] });
    await publish({ title: 'Secret draft about resumes', status: 'draft' });
    feed = await startFeedInstance(database.db, `search-${randomBytes(4).toString('hex')}`);
  });

  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
  });

  describe('the page', () => {
    test('when nothing is asked, then it shows the form and ways in, and is not indexed', async () => {
      const res = await feed.request.get('/search');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const page = parsePage(res.text);
      expect(page.all('input').filter((i) => i.attribs.name === 'q')).toHaveLength(1);
      expect(page.meta('robots')).toBe('noindex');
      expect(page.all('a').map((a) => a.attribs.href)).toContain(`${PUBLIC_BASE_URL}/tags/resumes/`);
      expect(await htmlProblems(res.text)).toEqual([]);
    });

    test('when posts match, then the best ten are listed with marked, escaped snippets and a link to more', async () => {
      const res = await feed.request.get('/search?q=resume');
      expect(res.status).toBe(200);
      const page = parsePage(res.text);
      const results = page.all('article');
      expect(results).toHaveLength(10);
      expect(page.within(results[0]!, 'a')[0]!.attribs.href).toBe(`${PUBLIC_BASE_URL}/posts/resume-clinic-12`);
      expect(res.text).toContain('<mark>resume</mark> &amp; a printed copy');
      expect(res.text).not.toContain('Secret draft');
      const more = page.links('next')[0];
      expect(more?.href).toBe(`${PUBLIC_BASE_URL}/search?q=resume&page=2`);
      expect(await htmlProblems(res.text)).toEqual([]);

      const second = parsePage((await feed.request.get('/search?q=resume&page=2')).text);
      expect(second.all('article').map((a) => a.text)).toEqual([
        expect.stringContaining('Resume clinic 2'),
        expect.stringContaining('Resume clinic 1'),
      ]);
      expect(second.all('ol')[0]!.attribs.start).toBe('11');
    });

    test('when nothing matches, then it says so and suggests what to try', async () => {
      const res = await feed.request.get('/search?q=zebra+astronaut');
      expect(res.status).toBe(200);
      expect(res.text).toContain('No posts match “zebra astronaut”');
      expect(res.text).toMatch(/try fewer words/);
      expect(await htmlProblems(res.text)).toEqual([]);
    });

    test('when the query is too long, then a 400 page keeps the form', async () => {
      const res = await feed.request.get(`/search?q=${'a'.repeat(10_000)}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/at most 500 characters/);
      expect(
        parsePage(res.text)
          .all('input')
          .some((i) => i.attribs.name === 'q'),
      ).toBe(true);
    });

    test('when q or page is malformed, then the answer is a 400 page', async () => {
      expect((await feed.request.get('/search?q=a&q=b')).status).toBe(400);
      expect((await feed.request.get('/search?q=resume&page=0')).status).toBe(400);
      expect((await feed.request.get('/search?q=resume&page=99999')).status).toBe(200);
    });
  });

  describe('the API', () => {
    test('when posts match, then items come best first in the contract’s shape', async () => {
      const res = await feed.request.get('/v1/search?q=resume&limit=3');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.body.items).toHaveLength(3);
      for (const item of res.body.items) {
        expect(Object.keys(item).sort()).toEqual(['id', 'published_at', 'snippet', 'title', 'url']);
      }
      expect(res.body.items.map((i: { title: string }) => i.title)).toEqual([
        'Resume clinic 12',
        'Resume clinic 11',
        'Resume clinic 10',
      ]);
      expect(res.body.items[0].snippet).toContain('<mark>resume</mark>');
      // The answer fits the schema the OpenAPI document publishes.
      componentChecker(await fetchDocument(feed.request))('SearchResults', res.body);
    });

    test('when q is blank or has no words, then the list is empty', async () => {
      for (const q of ['', '   ', '***']) {
        const res = await feed.request.get('/v1/search').query({ q });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ items: [] });
      }
    });

    test('when q is missing, repeated or too long, or limit is out of range, then a 400 problem names the parameter', async () => {
      for (const url of [
        '/v1/search',
        '/v1/search?q=a&q=b',
        `/v1/search?q=${'a'.repeat(10_000)}`,
        '/v1/search?q=a&limit=0',
        '/v1/search?q=a&limit=51',
        '/v1/search?q=a&limit=ten',
      ]) {
        const res = await feed.request.get(url);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.errors[0].path).toMatch(/^(q|limit)$/);
      }
    });

    test('when the query is hostile (search syntax, SQL, control characters, huge), then the answer is results, an empty list or a 400, never a 5xx', async () => {
      for (const q of [...HOSTILE_QUERIES, 'x'.repeat(10_240)]) {
        const api = await feed.request.get('/v1/search').query({ q });
        expect([200, 400]).toContain(api.status);
        if (api.status === 200) expect(Array.isArray(api.body.items)).toBe(true);
        const page = await feed.request.get('/search').query({ q });
        expect([200, 400]).toContain(page.status);
      }
      // Syntax is ignored, the words still count.
      const near = await feed.request.get('/v1/search').query({ q: 'NEAR(resume' });
      expect(near.status).toBe(200);
      // "near" is a word too: no post has it.
      expect(near.body.items).toEqual([]);
      const quoted = await feed.request.get('/v1/search').query({ q: '"resume" -clinic*' });
      expect(quoted.body.items.length).toBeGreaterThan(0);
      // Nothing was changed by the SQL-looking queries.
      expect((await feed.request.get('/v1/search?q=internship')).body.items).toHaveLength(1);
    });
  });

  describe('OpenSearch', () => {
    test('when a browser fetches the description, then it is well-formed XML of the right type pointing at /search', async () => {
      const res = await feed.request
        .get('/opensearch.xml')
        .buffer(true)
        .parse((r, done) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (chunk: string) => (body += chunk));
          r.on('end', () => done(null, body));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/opensearchdescription+xml; charset=utf-8');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensearch-'));
      try {
        const file = path.join(dir, 'opensearch.xml');
        fs.writeFileSync(file, res.body as string);
        // xmllint exits non-zero (and execFileSync throws) on a document that is not well-formed.
        execFileSync('xmllint', ['--noout', file]);
        const template = execFileSync('xmllint', [
          '--xpath',
          'string(//*[local-name()="Url" and @type="text/html"]/@template)',
          file,
        ])
          .toString()
          .trim();
        expect(template).toBe(`${PUBLIC_BASE_URL}/search?q={searchTerms}`);
        const shortName = execFileSync('xmllint', ['--xpath', 'string(//*[local-name()="ShortName"])', file])
          .toString()
          .trim();
        expect(shortName.length).toBeGreaterThan(0);
        expect(shortName.length).toBeLessThanOrEqual(16);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('when any page is opened, then its head links the description with rel="search" and its header has a search box', async () => {
      for (const url of ['/', '/posts/internship-fair', '/tags/resumes/', '/search?q=resume']) {
        const res = await feed.request.get(url).set('Accept', 'text/html');
        expect(res.status).toBe(200);
        const page = parsePage(res.text);
        expect(page.links('search')).toEqual([
          expect.objectContaining({
            type: 'application/opensearchdescription+xml',
            href: `${PUBLIC_BASE_URL}/opensearch.xml`,
          }),
        ]);
        const forms = page.all('form').filter((f) => f.attribs.role === 'search');
        expect(forms).toHaveLength(1);
        expect(forms[0]!.attribs.action).toBe(`${PUBLIC_BASE_URL}/search`);
      }
      // Form pages (subscribe, links from emails) keep one task: the description is linked, no box shown.
      const subscribe = parsePage((await feed.request.get('/subscribe').set('Accept', 'text/html')).text);
      expect(subscribe.links('search')).toHaveLength(1);
      expect(subscribe.all('form').filter((f) => f.attribs.role === 'search')).toEqual([]);
    });
  });
});
