import { DIALECTS } from '../helpers/databases';
import { PUBLIC_BASE_URL, buildPost, countRows, errorPaths, expectProblem, uniqueSlug, useIngest } from './support';

/** C0 controls other than TAB, LF and CR, and unpaired UTF-16 surrogates. */
const FORBIDDEN_CHARACTER =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const SCRIPT_LADEN_HTML = [
  '<p onclick="alert(1)" style="color:red">Hello <script>alert("x")</script>world</p>',
  '<a href="javascript:alert(1)">js link</a>',
  '<a href=" JaVaScRiPt:alert(2)">mixed-case js link</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>',
  '<img src="data:image/png;base64,iVBORw0KGgo=" alt="pixel">',
  '<img src="x.png" onerror="alert(3)" alt="broken">',
  '<iframe src="https://evil.example/"></iframe>',
  '<svg onload="alert(4)"><circle r="1"/></svg>',
  '<style>body{display:none}</style>',
  '<form action="https://evil.example/"><input name="q"></form>',
  '<p><a href="/jobs/openings">openings</a> and <img src="images/fair.jpg" alt="fair"></p>',
].join('\n');

describe.each(DIALECTS)('text safety on %s', (dialect) => {
  const ctx = useIngest(dialect);

  describe('sanitizing html', () => {
    test('when html carries scripts, handlers and dangerous URLs, then the post is accepted and stored without them', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ html: SCRIPT_LADEN_HTML }));

      expect(res.status).toBe(201);
      const stored = (await ingest.request.get(`/v1/posts/${res.body.id}`).set('Authorization', auth)).body
        .html as string;
      expect(stored).toBe(res.body.html);
      expect(stored).not.toMatch(/<script/i);
      expect(stored).not.toMatch(/\son[a-z]+\s*=/i);
      expect(stored).not.toMatch(/javascript:/i);
      expect(stored).not.toMatch(/data:/i);
      expect(stored).not.toMatch(/<(iframe|svg|style|form|input)\b/i);
      expect(stored).not.toMatch(/style=/i);
      expect(stored).not.toContain('alert');
      expect(stored).toContain('Hello');
      expect(stored).toContain('world');
    });

    test('when html has relative links and images, then they are made absolute against the public base URL', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ html: SCRIPT_LADEN_HTML }));

      expect(res.status).toBe(201);
      expect(res.body.html).toContain(`<a href="${PUBLIC_BASE_URL}/jobs/openings">openings</a>`);
      expect(res.body.html).toContain(`<img src="${PUBLIC_BASE_URL}/images/fair.jpg" alt="fair" />`);
      expect(res.body.html).toContain(`src="${PUBLIC_BASE_URL}/x.png"`);
    });

    test('when a canonical_url is given, then relative URLs resolve against it', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(
          buildPost({
            canonical_url: 'https://blog.university.example/2025/01/fair/',
            html: '<p><a href="photos">photos</a></p>',
          }),
        );

      expect(res.status).toBe(201);
      expect(res.body.html).toBe('<p><a href="https://blog.university.example/2025/01/fair/photos">photos</a></p>');
    });

    test('when the excerpt is derived, then it is the plain text without script content or tags', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ html: SCRIPT_LADEN_HTML }));

      expect(res.status).toBe(201);
      expect(res.body.excerpt).toMatch(/^Hello world/);
      expect(res.body.excerpt).not.toMatch(/[<>]|alert/);
    });
  });

  describe('free text (title, html) is cleaned', () => {
    test('when title and html contain control characters and lone surrogates, then they are stripped from the stored text', async () => {
      const { ingest, auth } = ctx();
      const body = buildPost({
        title: 'Neg\u0000oti\u0008ating\u001f offers\ud800 today\udc00',
        html: '<p>Be\u0000 ready\u000b to\u001b talk\ud800 money</p><pre>a\tb\nc</pre>',
      });

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(body);

      expect(res.status).toBe(201);
      const stored = (await ingest.request.get(`/v1/posts/${res.body.id}`).set('Authorization', auth)).body;
      expect(stored.title).toBe('Negotiating offers today');
      expect(stored.html).toBe('<p>Be ready to talk money</p><pre>a\tb\nc</pre>');
      expect(`${stored.title}${stored.html}${stored.excerpt}${stored.slug}`).not.toMatch(FORBIDDEN_CHARACTER);
    });

    test('when a title consists only of control characters, then responds 400 naming title and stores nothing', async () => {
      const { ingest, auth } = ctx();
      const before = await countRows(ctx());

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ title: '\u0000\u0001 \u0002' }));

      expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual(['title']);
      expect(await countRows(ctx())).toEqual(before);
    });

    test('when an inline author name and bio contain control characters, then they are stripped', async () => {
      const { ingest, auth } = ctx();
      const slug = uniqueSlug('ctl-author');

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ author: { slug, name: 'Ana\u0000 Lima\ud800', bio: 'Advisor\u0007 for\u0000 STEM' } }));

      expect(res.status).toBe(201);
      expect(res.body.author).toEqual({ slug, name: 'Ana Lima', bio: 'Advisor for STEM', links: {} });
    });
  });

  describe('identifiers are refused, not cleaned', () => {
    test.each<[string, Record<string, unknown>]>([
      ['tags/1', { tags: ['fine', 'bad\u0000tag'] }],
      ['tags/0', { tags: ['lone\ud800surrogate'] }],
      ['tags/0', { tags: ['tab\tinside'] }],
      ['external_id', { external_id: 'ext\u0001id' }],
      ['external_id', { external_id: 'ext\udc00' }],
      ['category', { category: 'careers\u0000' }],
      ['canonical_url', { canonical_url: 'https://blog.university.example/a\u0000b' }],
      ['canonical_url', { canonical_url: '\u0000https://blog.university.example/a' }],
      ['image', { image: 'https://cdn.example.org/a\u0000.png' }],
    ])(
      'when %s contains a control character or lone surrogate, then responds 400 naming it and stores nothing',
      async (path, overrides) => {
        const { ingest, auth } = ctx();
        const before = await countRows(ctx());

        const res = await ingest.request
          .post('/v1/posts')
          .set('Authorization', auth)
          .send(buildPost({ ...overrides, author: { slug: uniqueSlug('never-stored'), name: 'Never Stored' } }));

        expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual([path]);
        expect(await countRows(ctx())).toEqual(before);
      },
    );

    test('when a list is filtered by a tag with a NUL character, then responds 400 naming tag', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request.get('/v1/posts?tag=salary%00').set('Authorization', auth);

      expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual(['tag']);
    });
  });

  describe('derived fields', () => {
    test('when html is short, then the excerpt is its whole text and word_count counts its words', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(
          buildPost({
            html: '<h2>Plan</h2><p>Research the <em>employer</em> first.</p><ul><li>Prepare stories</li></ul>',
          }),
        );

      expect(res.status).toBe(201);
      expect(res.body).toEqual(
        // The heading stays apart from the sentence after it (blocks without punctuation get " · ").
        expect.objectContaining({ excerpt: 'Plan · Research the employer first. Prepare stories', word_count: 7 }),
      );
    });

    test('when html is long, then the excerpt is cut at a word boundary within 240 characters and ends with an ellipsis', async () => {
      const { ingest, auth } = ctx();
      const words = Array.from({ length: 120 }, (_, i) => `word${i}`);

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ html: `<p>${words.join(' ')}</p>` }));

      expect(res.status).toBe(201);
      const excerpt = res.body.excerpt as string;
      expect([...excerpt].length).toBeLessThanOrEqual(240);
      expect(excerpt.endsWith('…')).toBe(true);
      expect(words.join(' ').startsWith(excerpt.slice(0, -1))).toBe(true);
      expect(words).toContain(excerpt.slice(0, -1).split(' ').pop());
      expect(res.body.word_count).toBe(120);
    });

    test('when the client sends an excerpt, then it is kept instead of the derived one', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ excerpt: 'Our own teaser.', html: '<p>Some long body text.</p>' }));

      expect(res.status).toBe(201);
      expect(res.body.excerpt).toBe('Our own teaser.');
    });
  });

  describe('unicode', () => {
    test('when a post mixes RTL, CJK, emoji ZWJ sequences and combining marks, then it reads back exactly, in NFC', async () => {
      const { ingest, auth } = ctx();
      // Decomposed (NFD) accents on purpose: the stored text must be the composed (NFC) form.
      const title = 'Cafe\u0301 مقابلة العمل שלום 面试准备 👩🏽‍💻 🇧🇷 नमस्ते Ω';
      const html = `<p dir="rtl">مرحبا بكم — ${'re\u0301sume\u0301'}</p><p>日本語のテキスト 👨‍👩‍👧‍👦 e\u0301\u0323 ǅ 🏳️‍🌈</p>`;
      const author = { slug: uniqueSlug('unicode'), name: 'Zoë Ångström-José', bio: 'محاضرة · 講師 · 🎓' };

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ title, html, author }));

      expect(res.status).toBe(201);
      const read = (await ingest.request.get(`/v1/posts/${res.body.id}`).set('Authorization', auth)).body;
      expect(read.title).toBe(title.normalize('NFC'));
      expect(read.html).toBe(html.replace(' dir="rtl"', '').normalize('NFC'));
      expect(read.author).toEqual({ ...author, name: author.name.normalize('NFC'), links: {} });
      expect(read.excerpt).toBe(`مرحبا بكم — résumé · 日本語のテキスト 👨‍👩‍👧‍👦 ${'e\u0301\u0323'.normalize('NFC')} ǅ 🏳️‍🌈`);
      expect(read.excerpt).toBe(read.excerpt.normalize('NFC'));
    });
  });
});
