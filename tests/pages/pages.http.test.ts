import { TIME_ZONE_GUESS_SCRIPT } from '@careerfeed/core';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import {
  HOSTILE,
  HOSTILE_AUTHOR_NAME_AS_STORED,
  HOSTILE_TAGS_AS_STORED,
  HOSTILE_TITLE_AS_STORED,
  MAYA,
  SITE,
  seedBlog,
} from './blog-fixture';
import { htmlProblems, parsePage } from './page-inspection';

const BASE = PUBLIC_BASE_URL;
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe.each(DIALECTS)('public pages (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    await seedBlog(ingest);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
  });

  afterAll(async () => {
    await feed.close();
    await ingest.close();
    await database.drop();
  });

  async function page(path: string) {
    const response = await feed.request.get(path).set('Accept', HTML);
    return { response, page: parsePage(response.text) };
  }

  /** Titles of the posts a list page shows, in order. */
  function listed(html: string): string[] {
    const parsed = parsePage(html);
    return parsed.elements
      .filter((e) => e.name === 'article' && e.ancestors.some((a) => a.name === 'ol' && a.attribs.class === 'posts'))
      .map((article) => parsed.within(article, 'a')[0]!.text);
  }

  describe('the home page', () => {
    test('when it is read, then it lists the latest visible posts newest first, and no draft or scheduled post', async () => {
      const { response } = await page('/');
      expect(response.status).toBe(200);
      expect(listed(response.text)).toEqual([
        'Interview preparation',
        'Résumé basics',
        'Networking 101',
        'From the alumni blog',
        HOSTILE_TITLE_AS_STORED,
        ...[11, 10, 9, 8, 7].map((i) => `Archive post ${i}`),
      ]);
      expect(response.text).not.toContain('draft-post');
      expect(response.text).not.toContain('scheduled-post');
    });

    test('when it is read, then it is HTML with the security and caching headers', async () => {
      const { response } = await page('/');
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=60, s-maxage=1');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      const csp = response.headers['content-security-policy']!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("form-action 'self'");
      // The only scripts are the subscription form's time-zone guess and topic filter, allowed by their hashes alone.
      expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*' 'sha256-[A-Za-z0-9+/]+=*'$/);
      expect(csp).not.toContain('unsafe-inline');
    });

    test('when it is read, then it advertises the three site feeds with absolute URLs for discovery', async () => {
      const { page: home } = await page('/');
      expect(home.links('alternate')).toEqual([
        { rel: 'alternate', type: 'application/rss+xml', title: 'Career Center Blog (RSS)', href: `${BASE}/feed.xml` },
        {
          rel: 'alternate',
          type: 'application/atom+xml',
          title: 'Career Center Blog (Atom)',
          href: `${BASE}/feed.atom`,
        },
        {
          rel: 'alternate',
          type: 'application/feed+json',
          title: 'Career Center Blog (JSON Feed)',
          href: `${BASE}/feed.json`,
        },
      ]);
      expect(home.links('canonical')).toEqual([{ rel: 'canonical', href: `${BASE}/` }]);
      expect(home.first('html')!.attribs.lang).toBe('en');
      expect(home.first('title')!.text).toBe(SITE.title);
      expect(home.meta('viewport')).toBe('width=device-width, initial-scale=1');
    });

    test('when it is read, then a "how to follow" section spells out each feed address in plain words', async () => {
      const { page: home } = await page('/');
      const section = home.all('section').find((s) => s.text.includes('How to follow this blog'))!;
      expect(section).toBeDefined();
      expect(section.text).toContain('feed reader');
      for (const file of ['feed.xml', 'feed.atom', 'feed.json']) {
        // Shown as text to copy, and as a link.
        expect(section.text).toContain(`${BASE}/${file}`);
        expect(home.all('a').some((a) => a.attribs.href === `${BASE}/${file}` && a.text === `${BASE}/${file}`)).toBe(
          true,
        );
      }
    });

    test('when page 2 is asked for, then it holds the older posts and links back; past the end is a 404', async () => {
      const second = await page('/?page=2');
      expect(second.response.status).toBe(200);
      expect(listed(second.response.text)).toEqual([6, 5, 4, 3, 2, 1].map((i) => `Archive post ${i}`));
      expect(second.page.links('canonical')[0]!.href).toBe(`${BASE}/?page=2`);
      expect(second.page.links('prev')[0]!.href).toBe(`${BASE}/`);
      expect(second.page.links('next')).toEqual([]);
      expect((await page('/')).page.links('next')[0]!.href).toBe(`${BASE}/?page=2`);
      expect((await page('/?page=3')).response.status).toBe(404);
    });

    test.each(['0', '-1', 'abc', '1.5', '99999999999'])(
      'when page=%s, then the answer is 400 (a page for browsers, problem+json for API clients)',
      async (value) => {
        const browser = await page(`/?page=${value}`);
        expect(browser.response.status).toBe(400);
        expect(browser.response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(browser.page.first('h1')!.text).toBe('Bad request');
        const api = await feed.request.get(`/?page=${value}`).set('Accept', 'application/json');
        expect(api.status).toBe(400);
        expect(api.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(JSON.parse(api.text).code).toBe('VALIDATION_FAILED');
      },
    );
  });

  describe('a post page', () => {
    test('when a post is read, then it has its canonical link, Open Graph and Twitter card meta', async () => {
      const { response, page: post } = await page('/posts/resume-basics');
      expect(response.status).toBe(200);
      const url = `${BASE}/posts/resume-basics`;
      expect(post.links('canonical')).toEqual([{ rel: 'canonical', href: url }]);
      expect(post.first('h1')!.text).toBe('Résumé basics');
      expect(post.first('title')!.text).toBe('Résumé basics · Career Center Blog');
      expect(post.meta('og:type')).toBe('article');
      expect(post.meta('og:title')).toBe('Résumé basics');
      expect(post.meta('og:description')).toContain('Keep it to one page.');
      expect(post.meta('description')).toBe(post.meta('og:description'));
      expect(post.meta('og:url')).toBe(url);
      expect(post.meta('og:image')).toBe('https://images.test.example/resume.png');
      expect(post.meta('og:site_name')).toBe('Career Center Blog');
      expect(post.meta('article:published_time')).toBe('2025-03-01T09:00:00-05:00');
      expect(post.meta('twitter:card')).toBe('summary_large_image');
      expect(post.meta('twitter:title')).toBe('Résumé basics');
      expect(post.meta('twitter:image')).toBe('https://images.test.example/resume.png');
      // The site feeds stay discoverable from every post, and so does its oEmbed endpoint.
      expect(post.links('alternate').map((l) => l.href)).toEqual([
        ...['feed.xml', 'feed.atom', 'feed.json'].map((f) => `${BASE}/${f}`),
        `${BASE}/oembed?url=${encodeURIComponent(`${BASE}/posts/resume-basics`)}&format=json`,
      ]);
    });

    test('when a post is read, then its JSON-LD Article parses, with the date as written (offset kept)', async () => {
      const { page: post } = await page('/posts/resume-basics');
      const article = post.jsonLd();
      expect(article).toMatchObject({
        '@context': 'https://schema.org',
        '@type': 'Article',
        headline: 'Résumé basics',
        datePublished: '2025-03-01T09:00:00-05:00',
        url: `${BASE}/posts/resume-basics`,
        author: { '@type': 'Person', name: 'Maya Okafor', url: `${BASE}/authors/maya-okafor/` },
        image: ['https://images.test.example/resume.png'],
        keywords: ['Resume', 'Job search'],
      });
      expect(Date.parse(article.dateModified as string)).not.toBeNaN();
      expect(post.first('time')!.attribs.datetime).toBe('2025-03-01T09:00:00-05:00');
      expect(post.first('time')!.text).toBe('March 1, 2025');
    });

    test('when a post has related posts, then they are listed in rank order, without the draft', async () => {
      const { page: post } = await page('/posts/resume-basics');
      const section = post.all('section').find((s) => s.text.startsWith('Related posts'))!;
      expect(section).toBeDefined();
      const links = post.within(section, 'a');
      expect(links.map((a) => [a.text, a.attribs.href])).toEqual([
        ['Interview preparation', `${BASE}/posts/interview-prep`],
        ['Networking 101', `${BASE}/posts/networking-101`],
      ]);
      expect(post.elements.some((e) => e.attribs.href?.includes('draft-post'))).toBe(false);
    });

    test('when a post has no related posts, then there is no related section', async () => {
      const { page: post } = await page('/posts/interview-prep');
      expect(post.all('section').some((s) => s.text.startsWith('Related posts'))).toBe(false);
    });

    test('when a post is read, then the author box shows the bio and turns handles into links', async () => {
      const { page: post } = await page('/posts/resume-basics');
      const box = post.all('aside').find((a) => a.attribs.class?.includes('author'))!;
      expect(box.text).toContain('Maya Okafor');
      expect(box.text).toContain('Senior Career Advisor.');
      expect(box.text).toContain('She has reviewed more than 3,000 résumés.');
      const anchors = post.within(box, 'a').map((a) => [a.text, a.attribs.href]);
      expect(anchors).toEqual([
        ['Maya Okafor', `${BASE}/authors/maya-okafor/`],
        ['www.linkedin.com/in/maya-okafor', MAYA.links.linkedin],
        ['maya.example', MAYA.links.website],
        ['@maya@mastodon.example', 'https://mastodon.example/@maya'],
        ['@mayaokafor', 'https://x.com/mayaokafor'],
      ]);
      // An email address is shown, not linked (only http(s) links are rendered).
      expect(box.text).toContain('Email: maya@example.edu');
    });

    test('when a post is read, then its tags and category link to their topic pages', async () => {
      const { page: post } = await page('/posts/resume-basics');
      const hrefs = post.all('a').map((a) => [a.text, a.attribs.href]);
      expect(hrefs).toEqual(
        expect.arrayContaining([
          ['Resume', `${BASE}/topics/resume/`],
          ['Job search', `${BASE}/topics/job-search/`],
          // A category is stored as a slug: shown the way a person writes it.
          ['Resumes', `${BASE}/topics/resumes/`],
        ]),
      );
    });

    test('when a post has no image, then there is no og:image and the card is a summary', async () => {
      const { page: post } = await page('/posts/interview-prep');
      expect(post.meta('og:image')).toBeUndefined();
      expect(post.meta('twitter:card')).toBe('summary');
      expect(post.jsonLd().image).toBeUndefined();
    });

    test('when a post is syndicated, then canonical and og:url point at the original', async () => {
      const { page: post } = await page('/posts/from-the-alumni-blog');
      const original = 'https://alumni.example.edu/posts/staying-in-touch';
      expect(post.links('canonical')[0]!.href).toBe(original);
      expect(post.meta('og:url')).toBe(original);
      expect(post.jsonLd()).toMatchObject({
        url: `${BASE}/posts/from-the-alumni-blog`,
        mainEntityOfPage: { '@id': original },
      });
      expect(post.all('a').some((a) => a.attribs.href === original && a.text === 'alumni.example.edu')).toBe(true);
    });

    test('when the address has a trailing slash, then it redirects permanently to the post', async () => {
      const response = await feed.request.get('/posts/resume-basics/?utm_source=x');
      expect(response.status).toBe(301);
      expect(response.headers.location).toBe('/posts/resume-basics?utm_source=x');
    });
  });

  describe('tag, category and author pages', () => {
    test("when a tag page is read, then it lists only that tag's visible posts and links its own three feeds", async () => {
      const { response, page: tag } = await page('/tags/resume/');
      expect(response.status).toBe(200);
      expect(tag.first('h1')!.text).toBe('Posts tagged “Resume”');
      expect(listed(response.text)).toEqual(['Résumé basics']);
      expect(tag.links('canonical')[0]!.href).toBe(`${BASE}/tags/resume/`);
      expect(tag.links('alternate')).toEqual([
        {
          rel: 'alternate',
          type: 'application/rss+xml',
          title: 'Career Center Blog: posts tagged Resume (RSS)',
          href: `${BASE}/tags/resume/feed.xml`,
        },
        {
          rel: 'alternate',
          type: 'application/atom+xml',
          title: 'Career Center Blog: posts tagged Resume (Atom)',
          href: `${BASE}/tags/resume/feed.atom`,
        },
        {
          rel: 'alternate',
          type: 'application/feed+json',
          title: 'Career Center Blog: posts tagged Resume (JSON Feed)',
          href: `${BASE}/tags/resume/feed.json`,
        },
      ]);
    });

    test("when a category page is read, then it lists only that category's posts and links its feeds", async () => {
      const { response, page: category } = await page('/categories/networking/');
      expect(response.status).toBe(200);
      expect(listed(response.text)).toEqual(['Networking 101', 'From the alumni blog']);
      expect(category.links('alternate').map((l) => l.href)).toEqual(
        ['feed.xml', 'feed.atom', 'feed.json'].map((f) => `${BASE}/categories/networking/${f}`),
      );
    });

    test('when an author page is read, then it shows the author box and lists only their visible posts', async () => {
      const { response, page: author } = await page('/authors/maya-okafor/');
      expect(response.status).toBe(200);
      expect(author.first('h1')!.text).toBe('Posts by Maya Okafor');
      expect(listed(response.text)).toEqual(['Interview preparation', 'Résumé basics']);
      const box = author.all('aside')[0]!;
      expect(box.text).toContain('Senior Career Advisor.');
      expect(author.all('a').some((a) => a.attribs.href === 'https://mastodon.example/@maya')).toBe(true);
      expect(author.links('alternate').map((l) => l.href)).toEqual(
        ['feed.xml', 'feed.atom', 'feed.json'].map((f) => `${BASE}/authors/maya-okafor/${f}`),
      );
    });

    test.each([
      ['/tags/resume', '/tags/resume/'],
      ['/categories/resumes?page=1', '/categories/resumes/?page=1'],
      ['/authors/sam-lee', '/authors/sam-lee/'],
    ])('when %s is asked for, then it redirects permanently to %s', async (from, to) => {
      const response = await feed.request.get(from);
      expect(response.status).toBe(301);
      expect(response.headers.location).toBe(to);
    });

    test('when a list has more than one page, then ?page=2 holds the rest and past the end is a 404', async () => {
      const first = await page('/tags/archive/');
      expect(listed(first.response.text)).toHaveLength(10);
      expect(first.page.links('next')[0]!.href).toBe(`${BASE}/tags/archive/?page=2`);
      const second = await page('/tags/archive/?page=2');
      expect(second.response.status).toBe(200);
      expect(listed(second.response.text)).toEqual(['Archive post 1']);
      expect(second.page.first('h1')!.text).toBe('Posts tagged “Archive” (page 2)');
      expect((await page('/tags/archive/?page=3')).response.status).toBe(404);
      expect((await page('/tags/archive/?page=zero')).response.status).toBe(400);
    });
  });

  describe('the JSON Feed extension page', () => {
    test('when the _careerfeed.about of a JSON Feed item is followed, then it is an HTML page documenting every field', async () => {
      const jsonFeed = JSON.parse((await feed.request.get('/feed.json')).text);
      const about: string = jsonFeed.items[0]._careerfeed.about;
      expect(about).toBe(`${BASE}/about/json-feed-extension`);
      const { response, page: doc } = await page(about.slice(BASE.length));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      expect(doc.first('h1')!.text).toContain('_careerfeed');
      expect(doc.links('canonical')).toEqual([{ rel: 'canonical', href: about }]);
      const documented = doc.all('dt').map((dt) => dt.text);
      expect(documented).toEqual(['about', 'related', 'related[].id', 'related[].url', 'related[].title']);
      // Every field the feed actually carries is one of them.
      expect(Object.keys(jsonFeed.items[0]._careerfeed).every((key) => documented.includes(key))).toBe(true);
      const related = jsonFeed.items.flatMap(
        (item: { _careerfeed: { related: object[] } }) => item._careerfeed.related,
      );
      for (const link of related)
        expect(Object.keys(link).map((key) => `related[].${key}`)).toEqual(documented.slice(2));
    });
  });

  describe('pages that do not exist', () => {
    test.each([
      ['an unknown post', '/posts/no-such-post'],
      ['a draft', '/posts/draft-post'],
      ['a scheduled post', '/posts/scheduled-post'],
      ['an unknown tag', '/tags/no-such-tag/'],
      ['an unknown category', '/categories/no-such-category/'],
      ['an unknown author', '/authors/no-such-author/'],
      ['a path traversal', '/posts/..%2f..%2fetc%2fpasswd'],
      ['a dot-dot slug', '/tags/%2e%2e/'],
      ['an undecodable slug', '/posts/%ff%fe'],
      ['an uppercase slug', '/posts/Resume-Basics'],
      ['a NUL in a slug', '/authors/maya%00okafor/'],
      ['an overlong slug', `/posts/${'a'.repeat(5000)}`],
    ])('when %s is asked for by a browser, then it gets a 404 page', async (_what, path) => {
      const { response, page: notFound } = await page(path);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      expect(response.headers.vary).toContain('Accept');
      expect(notFound.first('h1')!.text).toBe('Page not found');
      expect(notFound.meta('robots')).toBe('noindex');
      expect(notFound.all('a').some((a) => a.attribs.href === `${BASE}/`)).toBe(true);
    });

    test('when an API client asks for a missing page, then it gets problem+json', async () => {
      for (const path of ['/posts/draft-post', '/tags/no-such-tag/', '/posts/%ff']) {
        const response = await feed.request.get(path).set('Accept', 'application/json');
        expect(response.status).toBe(404);
        expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(JSON.parse(response.text)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      }
    });
  });

  describe('a hostile post', () => {
    test('when it is rendered, then the only scripts are the JSON-LD and our time-zone guess, no element has an event handler, and every URL is http(s)', async () => {
      const { response, page: post } = await page('/posts/hostile-post');
      expect(response.status).toBe(200);
      const scripts = post.all('script');
      // The JSON-LD, and the email box's time-zone guess (exactly our text, allowed by its hash).
      expect(scripts.map((s) => s.attribs.type)).toEqual(['application/ld+json', undefined]);
      expect(scripts[1]!.text).toBe(TIME_ZONE_GUESS_SCRIPT);
      // Closing tags: the JSON-LD's own and the time-zone script's, none from the post.
      expect(response.text.match(/<\/script/gi)).toHaveLength(2);
      for (const element of post.elements) {
        expect(Object.keys(element.attribs).filter((name) => name.startsWith('on'))).toEqual([]);
        expect(element.attribs.style).toBeUndefined();
        for (const name of ['href', 'src', 'formaction']) {
          const value = element.attribs[name];
          // The one path is our theme stylesheet (same origin, so the policy's 'self' covers it); every
          // other link is absolute http(s). Form actions are checked below.
          if (value !== undefined) expect(value).toMatch(/^(https?:\/\/|data:,$|\/theme\.css\?v=[\w-]+$)/);
        }
      }
      expect(post.all('iframe').concat(post.all('object'), post.all('embed'), post.all('svg'))).toEqual([]);
      // Three forms, each to a path of our own: the search box in the header (GET), the email box
      // and the comment form.
      expect(post.all('form').map((form) => [form.attribs.method, form.attribs.action])).toEqual([
        ['get', `${PUBLIC_BASE_URL}/search`],
        ['post', '/subscribe'],
        ['post', '/posts/hostile-post/comments'],
      ]);
    });

    test('when it is rendered, then every hostile value reads back as text: titles, names and tags as stored (markup-free), the rest escaped', async () => {
      const { page: post } = await page('/posts/hostile-post');
      expect(post.first('h1')!.text).toBe(HOSTILE_TITLE_AS_STORED);
      expect(post.first('title')!.text).toBe(`${HOSTILE_TITLE_AS_STORED} · Career Center Blog`);
      expect(post.meta('og:title')).toBe(HOSTILE_TITLE_AS_STORED);
      expect(post.meta('twitter:title')).toBe(HOSTILE_TITLE_AS_STORED);
      const article = post.jsonLd();
      expect(article.headline).toBe(HOSTILE_TITLE_AS_STORED);
      expect(article.description).toContain('</script><script>window.__pwned=1</script>');
      expect(article.author).toMatchObject({ name: HOSTILE_AUTHOR_NAME_AS_STORED });
      expect(article.keywords).toEqual(HOSTILE_TAGS_AS_STORED);
      const tagLinks = post.all('a').filter((a) => a.attribs.rel === 'tag');
      expect(tagLinks.map((a) => [a.text, a.attribs.href])).toEqual([
        [`say "hi"`, `${BASE}/topics/say-hi/`],
        [`it's bold`, `${BASE}/topics/it-s-bold/`],
        ['Longtagname'.repeat(5), `${BASE}/topics/${'longtagname'.repeat(5)}/`],
      ]);
      const box = post.all('aside')[0]!;
      expect(box.text).toContain(HOSTILE_AUTHOR_NAME_AS_STORED);
      expect(box.text).toContain(
        'Hi <img src=x onerror="window.__pwned=1"> there </script><script>window.__pwned=1</script>',
      );
      expect(box.text).toContain('Second paragraph & more.');
      // The javascript: "website" is text, the odd mastodon handle too; the linkedin URL is a link, percent-encoded.
      expect(box.text).toContain('Website: javascript:window.__pwned=1');
      expect(box.text).toContain(`Mastodon: ${HOSTILE.author.links.mastodon}`);
      const linkedin = post.all('a').find((a) => a.attribs.href?.startsWith('https://www.linkedin.com/'))!;
      expect(linkedin.attribs.href).toBe(
        'https://www.linkedin.com/in/x%22%3E%3Cscript%3Ewindow.__pwned=1%3C/script%3E',
      );
      expect(post.meta('og:image')).toBe(new URL(HOSTILE.image).href);
      expect(post.meta('og:image')).not.toMatch(/["<>]/);
    });

    test('when it is listed, then its title is escaped on the home page and its tag page', async () => {
      for (const path of ['/', '/tags/say-hi/', '/authors/mallory/']) {
        const { response, page: list } = await page(path);
        expect(response.status).toBe(200);
        // Only our own script (the home page's subscription form guesses the time zone), never the post's.
        expect(list.all('script').map((s) => s.text)).toEqual(path === '/' ? [TIME_ZONE_GUESS_SCRIPT] : []);
        expect(list.all('a').some((a) => a.text === HOSTILE_TITLE_AS_STORED)).toBe(true);
      }
      expect(parsePage((await page('/authors/mallory/')).response.text).first('h1')!.text).toBe(
        `Posts by ${HOSTILE_AUTHOR_NAME_AS_STORED}`,
      );
    });
  });

  describe('HTML validity (html-validate, recommended rules)', () => {
    test.each([
      ['the home page', '/'],
      ['the second home page', '/?page=2'],
      ['a post with image, tags and related posts', '/posts/resume-basics'],
      ['a syndicated post', '/posts/from-the-alumni-blog'],
      ['the hostile post', '/posts/hostile-post'],
      ['a tag page', '/tags/archive/'],
      ['a category page', '/categories/networking/'],
      ['an author page', '/authors/maya-okafor/'],
      ['the hostile author page', '/authors/mallory/'],
      ['a 404 page', '/posts/no-such-post'],
      ['a 400 page', '/?page=0'],
      ['the JSON Feed extension page', '/about/json-feed-extension'],
    ])('when %s is validated, then it has no errors', async (_what, path) => {
      const { response } = await page(path);
      expect(await htmlProblems(response.text)).toEqual([]);
    });

    test('when our own markup breaks a rule, then the check fails: the waivers cover only the post body', async () => {
      const { response } = await page('/posts/hostile-post');
      const broken = response.text.replace(
        '<main class="wrap">',
        '<main class="wrap"><img src="https://images.test.example/x.png" /><p><div>block in a paragraph</div></p>',
      );
      const rules = (await htmlProblems(broken)).map((problem) => problem.split(' ')[0]);
      expect(rules).toEqual(expect.arrayContaining(['wcag/h37', 'void-style', 'close-order']));
    });
  });
});
