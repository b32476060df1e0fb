import fs from 'node:fs';
import path from 'node:path';
import { htmlToPlainText, makeExcerpt } from '../plain-text';
import { authorHandlesFromLinks } from './author-handles';
import { buildSharePayload } from './build-share-payload';
import { NETWORKS, type Network, type ShareInput, type ShareLimits } from './share.types';

/**
 * Golden outputs: payloads built by the builders as they were before the fast text fitting
 * (commit "share golden fixture"), for every fixture post in several shapes plus hostile inputs, at
 * default and at tight limits. Any change of output — one byte — fails here. To regenerate after
 * an intended output change: UPDATE_SHARE_GOLDEN=1 npx jest share-payloads.golden (reads
 * fixtures/sample-blog.json; the inputs are stored with the outputs, so checking needs no more).
 * When the sample corpus moved into the repository the file was regenerated with unchanged
 * builders (they still matched the old file byte for byte); its 40 hostile cases came out
 * identical, only the fixture-post cases have new inputs.
 */
const GOLDEN = path.join(__dirname, '__fixtures__', 'share-payloads.golden.json');
const POSTS = path.resolve(__dirname, '../../../../fixtures/sample-blog.json');

interface GoldenCase {
  name: string;
  input: ShareInput;
  limits: ShareLimits;
  payloads: unknown;
}

const TIGHT: ShareLimits = {
  x: { maxWeightedLength: 140 },
  mastodon: { maxChars: 200, urlLength: 30 },
  bluesky: { maxGraphemes: 160, maxBytes: 600 },
  linkedin: { maxChars: 400 },
  facebook: { maxChars: 300 },
  threads: { maxChars: 250, maxLinks: 2 },
};

const WORDS = 'career fair résumé interview internship networking';
const HOSTILE: Record<string, Partial<ShareInput>> = {
  cjk: {
    title: '就職活動の始め方：履歴書と面接の準備'.repeat(20),
    excerpt: '日本語の説明文です。'.repeat(30),
    tags: ['就職', '面接'],
  },
  'cjk without punctuation': {
    title: '履歴書面接準備就職活動'.repeat(40),
    excerpt: '한국어 설명 문장입니다 '.repeat(40),
  },
  'emoji ZWJ': { title: 'Women in tech 👩‍💻 pride 🏳️‍🌈 flags 🇯🇵🇺🇦 '.repeat(30), excerpt: '👩‍👩‍👧‍👦👩‍💻🏳️‍🌈'.repeat(200) },
  'emoji keycaps and skin tones': { title: '1️⃣ 👍🏽 ❤️ ✌🏿 '.repeat(90), excerpt: 'Great job 👏🏼👏🏼 '.repeat(60) },
  rtl: {
    title: 'كيف تكتب سيرة ذاتية ناجحة '.repeat(20),
    excerpt: 'איך לכתוב קורות חיים טובים '.repeat(30),
    tags: ['وظائف', 'קריירה'],
  },
  'rtl with marks': { title: '\u202Bمرحبا\u202C بالعالم '.repeat(60), excerpt: 'בְּרֵאשִׁית בָּרָא '.repeat(50) },
  'combining marks': { title: 'e\u0301'.repeat(700) + ' नमस्ते दुनिया'.repeat(40), tags: ['हिन्दी'] },
  'decomposed words': { title: 'Cafe\u0301 re\u0301sume\u0301 '.repeat(80), excerpt: 'n\u0303 a\u0308 '.repeat(300) },
  thai: { title: 'การเขียนเรซูเม่ที่ดี'.repeat(30), excerpt: 'สัมภาษณ์งาน '.repeat(80) },
  '2,000-character title': { title: `${WORDS} `.repeat(60).slice(0, 2000), excerpt: 'x'.repeat(2000) },
  '2,000 characters without a space': { title: 'a'.repeat(2000), excerpt: '' },
  'many tags': { tags: Array.from({ length: 60 }, (_, i) => `topic ${i} skills`) },
  'long tags': { tags: ['x'.repeat(70), 'résumé '.repeat(20), '😀 tag', '2024', 'c++'] },
  'handles and URLs in the text': {
    title: 'See https://a.example.com/x_(y) and example.org/path ' + 'words '.repeat(100),
    authorHandles: {
      x: '@jdoe',
      mastodon: 'jdoe@mastodon.social',
      bluesky: 'jdoe.bsky.social',
      linkedin: 'J_Doe',
      threads: 'jdoe',
    },
  },
  'many URLs': {
    title: Array.from({ length: 12 }, (_, i) => `see https://site${i}.example.com/p and site${i}.org`).join(' '),
    excerpt: 'https://example.com/a/very/long/path/segment_(with)/parens?q=1 '.repeat(12),
  },
  'long URL': {
    url: `https://careers.example.edu/posts/${'very-long-slug-'.repeat(30)}?ref=a%20b#frag`,
    title: 'Short title',
  },
  'little text reserved characters': {
    title: '\\ | { } @ [ ] ( ) < > # * _ ~ '.repeat(120),
    authorHandles: { linkedin: 'j_doe', x: 'j_doe' },
  },
  'whitespace and surrogates': { title: ' \n\t lone \uD800 high and \uDC00 low \u0085 '.repeat(40), excerpt: '\n\n' },
  'empty title': { title: '', excerpt: 'only an excerpt '.repeat(40) },
  'empty everything': { title: '', excerpt: '', tags: [] },
};

function buildInputs(): { name: string; input: ShareInput }[] {
  const fixture = JSON.parse(fs.readFileSync(POSTS, 'utf8')) as {
    authors: { slug: string; links?: Record<string, string> }[];
    posts: { slug: string; title: string; author: string; tags?: string[]; html: string }[];
  };
  const authors = new Map(fixture.authors.map((a) => [a.slug, a]));
  const cases: { name: string; input: ShareInput }[] = [];
  fixture.posts.forEach((post, i) => {
    const text = htmlToPlainText(post.html);
    const base: ShareInput = {
      title: post.title,
      excerpt: makeExcerpt(text),
      url: `https://careers.example.edu/posts/${post.slug}`,
      tags: post.tags ?? [],
      authorHandles: authorHandlesFromLinks(authors.get(post.author)?.links ?? {}),
    };
    cases.push({ name: `post ${i} ${post.slug}`, input: base });
    // The whole text as the excerpt, so every network has to shorten it.
    cases.push({ name: `post ${i} ${post.slug}, whole text`, input: { ...base, excerpt: text.slice(0, 1500) } });
    cases.push({ name: `post ${i} ${post.slug}, title ×8`, input: { ...base, title: `${post.title} `.repeat(8) } });
  });
  for (const [name, overrides] of Object.entries(HOSTILE)) {
    cases.push({
      name,
      input: {
        title: 'How to write a résumé that gets read',
        excerpt: 'Recruiters skim. Here is how to make the first six seconds count.',
        url: 'https://careers.example.edu/posts/resume-basics',
        tags: ['resume writing', 'job-search'],
        ...overrides,
      },
    });
  }
  return cases;
}

/** Each network on its own, so that one network's limit error leaves the others' payloads. */
function buildEach(input: ShareInput, limits: ShareLimits): Record<Network, unknown> {
  const out: Partial<Record<Network, unknown>> = {};
  for (const network of NETWORKS) {
    try {
      out[network] = buildSharePayload(network, input, limits);
    } catch (e) {
      out[network] = { error: e instanceof Error ? e.name : String(e) };
    }
  }
  return out as Record<Network, unknown>;
}

describe('share payloads against the golden outputs', () => {
  if (process.env.UPDATE_SHARE_GOLDEN === '1') {
    it('writes the golden outputs', () => {
      const cases: GoldenCase[] = [];
      for (const { name, input } of buildInputs()) {
        for (const [label, limits] of [
          ['default limits', {}],
          ['tight limits', TIGHT],
        ] as const) {
          cases.push({ name: `${name}, ${label}`, input, limits, payloads: buildEach(input, limits) });
        }
      }
      fs.writeFileSync(GOLDEN, `${JSON.stringify(cases, null, 2)}\n`);
    });
    return;
  }

  const cases = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as GoldenCase[];

  it('when checked, then the golden file covers fixture posts and hostile inputs', () => {
    expect(cases.length).toBeGreaterThan(300);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    'when the input is %s, then payloads are byte-identical',
    (_name, c) => {
      expect(JSON.stringify(buildEach(c.input, c.limits))).toBe(JSON.stringify(c.payloads));
    },
  );
});
