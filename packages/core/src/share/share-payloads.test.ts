import { parseTweet } from 'twitter-text';
import {
  addUtmParams,
  buildBlueskyPayload,
  buildLinkedInPayload,
  buildMastodonPayload,
  buildSharePayloads,
  buildThreadsPayload,
  buildXPayload,
  escapeLittleText,
  mastodonLength,
  tagsToHashtags,
  threadsLength,
  threadsLinkCount,
  unescapeLittleText,
  type ShareInput,
  type SharePayloads,
} from './index';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemeCount = (s: string): number => [...graphemes.segment(s)].length;

function buildInput(overrides: Partial<ShareInput> = {}): ShareInput {
  return {
    title: 'How to write a résumé that gets read',
    excerpt: 'Recruiters skim. Here is how to make the first six seconds count.',
    url: 'https://careers.example.edu/posts/resume-basics',
    tags: ['resume writing', 'job-search'],
    ...overrides,
  };
}

const WORDS = 'career fair résumé interview internship networking';
const HARD_INPUTS: Record<string, ShareInput> = {
  cjk: buildInput({
    title: '就職活動の始め方：履歴書と面接の準備'.repeat(20),
    excerpt: '日本語の説明文です。'.repeat(30),
    tags: ['就職', '面接'],
  }),
  'emoji ZWJ': buildInput({ title: 'Women in tech 👩‍💻 pride 🏳️‍🌈 flags 🇯🇵🇺🇦 '.repeat(30), excerpt: '👩‍💻🏳️‍🌈'.repeat(200) }),
  rtl: buildInput({
    title: 'كيف تكتب سيرة ذاتية ناجحة '.repeat(20),
    excerpt: 'איך לכתוב קורות חיים טובים '.repeat(30),
    tags: ['وظائف', 'קריירה'],
  }),
  'combining marks': buildInput({ title: 'e\u0301'.repeat(700) + ' नमस्ते दुनिया'.repeat(40), tags: ['हिन्दी'] }),
  '2,000-character title': buildInput({ title: `${WORDS} `.repeat(60).slice(0, 2000), excerpt: 'x'.repeat(2000) }),
  '2,000 characters without a space': buildInput({ title: 'a'.repeat(2000), excerpt: '' }),
  'many tags': buildInput({ tags: Array.from({ length: 60 }, (_, i) => `topic ${i} skills`) }),
  'handles and URLs in the text': buildInput({
    title: 'See https://a.example.com/x_(y) and example.org/path ' + 'words '.repeat(100),
    authorHandles: {
      x: '@jdoe',
      mastodon: 'jdoe@mastodon.social',
      bluesky: 'jdoe.bsky.social',
      linkedin: 'J_Doe',
      threads: 'jdoe',
    },
  }),
};

function expectWithinLimits(p: SharePayloads): void {
  expect(parseTweet(p.x.text).valid).toBe(true);
  expect(parseTweet(p.x.text).weightedLength).toBeLessThanOrEqual(280);
  expect(mastodonLength(p.mastodon.status)).toBeLessThanOrEqual(500);
  expect(graphemeCount(p.bluesky.text)).toBeLessThanOrEqual(300);
  expect(Buffer.byteLength(p.bluesky.text)).toBeLessThanOrEqual(3000);
  expect(p.linkedin.commentary.length).toBeLessThanOrEqual(3000);
  expect(threadsLength(p.threads.text)).toBeLessThanOrEqual(500);
  expect(threadsLinkCount(p.threads.text)).toBeLessThanOrEqual(5);
  for (const s of [
    p.x.text,
    p.mastodon.status,
    p.bluesky.text,
    p.linkedin.commentary,
    p.facebook.message,
    p.threads.text,
  ]) {
    expect(s).not.toMatch(LONE_SURROGATE);
  }
}

function expectFacetsSliceExactly(p: SharePayloads['bluesky']): void {
  const bytes = Buffer.from(p.text, 'utf8');
  for (const facet of p.facets) {
    const slice = bytes.subarray(facet.index.byteStart, facet.index.byteEnd).toString('utf8');
    const feature = facet.features[0]!;
    if (feature.$type === 'app.bsky.richtext.facet#link') expect(slice).toBe(feature.uri);
    else if (feature.$type === 'app.bsky.richtext.facet#tag') expect(slice).toBe(`#${feature.tag}`);
    else expect(slice).toMatch(/^@[a-z0-9.-]+$/);
  }
}

describe('buildSharePayloads', () => {
  it('when the post is short, then every network gets title, excerpt, link with UTM and hashtags', () => {
    const p = buildSharePayloads(buildInput({ authorHandles: { x: 'jdoe' } }));

    const xLink =
      'https://careers.example.edu/posts/resume-basics?utm_source=x&utm_medium=social&utm_campaign=careerfeed';
    expect(p.x.text).toBe(
      `How to write a résumé that gets read\n\nRecruiters skim. Here is how to make the first six seconds count. via @jdoe\n\n${xLink}\n#ResumeWriting #JobSearch`,
    );
    expect(p.mastodon.status).toContain('utm_source=mastodon');
    expect(p.mastodon.status).not.toContain('via @');
    expect(p.facebook).toEqual({
      message:
        'How to write a résumé that gets read\n\nRecruiters skim. Here is how to make the first six seconds count.\n#ResumeWriting #JobSearch',
      link: 'https://careers.example.edu/posts/resume-basics?utm_source=facebook&utm_medium=social&utm_campaign=careerfeed',
    });
    expect(p.linkedin.content.article).toEqual({
      source:
        'https://careers.example.edu/posts/resume-basics?utm_source=linkedin&utm_medium=social&utm_campaign=careerfeed',
      title: 'How to write a résumé that gets read',
      description: 'Recruiters skim. Here is how to make the first six seconds count.',
    });
    expect(p.linkedin.commentary).toContain('{hashtag|\\#|ResumeWriting} {hashtag|\\#|JobSearch}');
    expect(p.bluesky.embed).toEqual({
      $type: 'app.bsky.embed.external',
      external: {
        uri: 'https://careers.example.edu/posts/resume-basics?utm_source=bluesky&utm_medium=social&utm_campaign=careerfeed',
        title: 'How to write a résumé that gets read',
        description: 'Recruiters skim. Here is how to make the first six seconds count.',
      },
    });
    expect(p.bluesky.facets.map((f) => f.features[0]!.$type)).toEqual([
      'app.bsky.richtext.facet#link',
      'app.bsky.richtext.facet#tag',
      'app.bsky.richtext.facet#tag',
    ]);
    expectWithinLimits(p);
  });

  it.each(Object.entries(HARD_INPUTS))(
    'when the input is %s, then every payload is within its limit',
    (_name, input) => {
      const p = buildSharePayloads(input);

      expectWithinLimits(p);
      expectFacetsSliceExactly(p.bluesky);
      // The link is never dropped.
      expect(p.x.text).toContain('utm_source=x');
      expect(p.mastodon.status).toContain('utm_source=mastodon');
      expect(p.threads.text).toContain('utm_source=threads');
      expect(p.bluesky.facets.some((f) => f.features[0]!.$type === 'app.bsky.richtext.facet#link')).toBe(true);
    },
  );

  it('when shortened, then text ends at a grapheme boundary with an ellipsis and payloads use their limits well', () => {
    const input = HARD_INPUTS['emoji ZWJ']!;
    const p = buildSharePayloads(input);

    for (const text of [p.x.text, p.bluesky.text, p.mastodon.status, p.threads.text]) {
      expect(text).toContain('…');
      // Every grapheme of the output is a grapheme of the input or our own additions.
      const head = text.slice(0, text.indexOf('…'));
      expect(
        input.title.startsWith(head.replace(/\s+$/, '')) || (input.title + '\n\n' + input.excerpt).startsWith(head),
      ).toBe(true);
    }
    expect(parseTweet(p.x.text).weightedLength).toBeGreaterThan(200);
    expect(graphemeCount(p.bluesky.text)).toBeGreaterThan(200);
  });

  it('when the excerpt does not fit, then hashtags are dropped from the end before the title is cut', () => {
    // 244 + 2 + 23 (the link) + 5 + 5 = 279: room for two hashtags, not three, and no excerpt.
    const title = 'word '.repeat(49).trim();
    const p = buildXPayload(buildInput({ title, excerpt: 'gone', tags: ['aaa', 'bbb', 'ccc'] }));

    expect(p.text.startsWith(`${title}\n\n`)).toBe(true);
    expect(p.text).not.toContain('gone');
    expect(p.text).toContain('#Aaa #Bbb');
    expect(p.text).not.toContain('#Ccc');
    expect(parseTweet(p.text).valid).toBe(true);
  });

  it('when the title alone is too long, then all hashtags are dropped and the title is cut', () => {
    const p = buildXPayload(buildInput({ title: 'word '.repeat(60).trim(), tags: ['aaa'] }));

    expect(p.text).toMatch(/^(word )+word…\n\nhttps:\/\/\S+$/);
    expect(parseTweet(p.text).valid).toBe(true);
  });

  it('when the limit is configured, then the payload respects it', () => {
    const input = buildInput({ title: 'word '.repeat(200) });

    const x = buildXPayload(input, { x: { maxWeightedLength: 100 } });
    const m = buildMastodonPayload(input, { mastodon: { maxChars: 120, urlLength: 30 } });
    const t = buildThreadsPayload(input, { threads: { maxChars: 150 } });
    const b = buildBlueskyPayload(input, { bluesky: { maxGraphemes: 110 } });

    expect(parseTweet(x.text).weightedLength).toBeLessThanOrEqual(100);
    expect(mastodonLength(m.status, 30)).toBeLessThanOrEqual(120);
    expect(threadsLength(t.text)).toBeLessThanOrEqual(150);
    expect(graphemeCount(b.text)).toBeLessThanOrEqual(110);
  });

  it('when the limit cannot even hold the link, then it throws a RangeError', () => {
    expect(() => buildXPayload(buildInput(), { x: { maxWeightedLength: 10 } })).toThrow(RangeError);
  });

  it('when Threads text has more than 5 links, then text is cut so that at most 5 remain', () => {
    const title = Array.from({ length: 8 }, (_, i) => `see https://site${i}.example.com/p`).join(' ');
    const p = buildThreadsPayload(buildInput({ title, excerpt: '' }));

    expect(threadsLinkCount(p.text)).toBeLessThanOrEqual(5);
    expect(p.text).toContain('utm_source=threads');
  });

  it('when the text holds a URL near the cut, then the URL is kept whole or dropped, never cut', () => {
    const url = 'https://example.com/a/very/long/path/segment_(with)/parens?q=1';
    for (let pad = 150; pad < 260; pad += 7) {
      const p = buildXPayload(buildInput({ title: `${'ab '.repeat(pad / 3)}${url} tail words here`, excerpt: '' }));
      const kept = p.text.split('\n\n')[0]!;
      expect(kept.includes('https://example.com') ? kept.includes(url) : true).toBe(true);
    }
  });
});

describe('bluesky facets', () => {
  it('when the text has CJK, emoji and RTL before the link, then byte offsets slice exactly the URL and #tags', () => {
    const p = buildBlueskyPayload(
      buildInput({
        title: '日本語 👩‍💻 🏳️‍🌈 עברית العربية',
        excerpt: 'é',
        tags: ['日本', 'Ünïcode tag', 'emoji'],
        image: 'https://img.example/x.png',
      }),
    );

    expect(p.facets).toHaveLength(4);
    expectFacetsSliceExactly(p);
    expect(p.facets[0]!.index.byteStart).toBe(Buffer.byteLength(p.text.slice(0, p.text.indexOf('https://'))));
    expect(p.embed.external.thumb).toBe('https://img.example/x.png');
  });
});

describe('tagsToHashtags', () => {
  it('when tags have spaces, punctuation, digits, duplicates and other scripts, then hashtags are CamelCase, deduped and valid', () => {
    expect(
      tagsToHashtags([
        'resume writing',
        'Resume-Writing',
        '2024',
        '',
        '!!!',
        'c++',
        'über cool',
        'وظائف',
        '就職',
        'class of 2024',
      ]),
    ).toEqual(['#ResumeWriting', '#C', '#ÜberCool', '#وظائف', '#就職', '#ClassOf2024']);
  });
});

describe('addUtmParams', () => {
  it('when the URL has a query and a fragment, then they are kept and UTM is added once', () => {
    const url = 'https://example.edu/p?a=1&b=x%20y&utm_source=old#top';

    const once = addUtmParams(url, 'mastodon', { campaign: 'spring fair & more' });
    const twice = addUtmParams(once, 'mastodon', { campaign: 'spring fair & more' });

    expect(once).toBe(
      'https://example.edu/p?a=1&b=x%20y&utm_source=mastodon&utm_medium=social&utm_campaign=spring%20fair%20%26%20more#top',
    );
    expect(twice).toBe(once);
    expect(new URL(once).searchParams.getAll('utm_source')).toEqual(['mastodon']);
    expect(new URL(once).searchParams.get('utm_campaign')).toBe('spring fair & more');
  });
});

describe('LinkedIn little text', () => {
  const reserved = '\\ | { } @ [ ] ( ) < > # * _ ~';

  it('when text has every reserved character, then each is escaped and unescaping round-trips', () => {
    const escaped = escapeLittleText(reserved);

    expect(escaped).toBe('\\\\ \\| \\{ \\} \\@ \\[ \\] \\( \\) \\< \\> \\# \\* \\_ \\~');
    expect(unescapeLittleText(escaped)).toBe(reserved);
  });

  it('when the commentary is shortened, then no escape sequence is split and the title round-trips', () => {
    const title = `${reserved} `.repeat(200);
    const p = buildLinkedInPayload(buildInput({ title, excerpt: '', authorHandles: { linkedin: 'j_doe' } }), {
      linkedin: { maxChars: 500 },
    });
    const textPart = p.commentary.split('\n\n')[0]!;

    expect(p.commentary.length).toBeLessThanOrEqual(500);
    // An odd run of backslashes before the cut would mean a split escape.
    expect(textPart).not.toMatch(/(^|[^\\])(\\\\)*\\…/);
    expect(textPart).toMatch(/… via \\@j\\_doe$/);
    expect(title.startsWith(unescapeLittleText(textPart.replace(/… via \\@j\\_doe$/, '')))).toBe(true);
    expect(p.content.article.title).toBe(title.trim());
  });
});
