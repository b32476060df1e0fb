import { randomUUID } from 'node:crypto';
import type { FeedDocument, FeedItem, FeedRelatedLink } from '../../packages/core/src/feeds';

export const BASE_URL = 'https://careers.example.edu';

/**
 * Every character XML 1.0 forbids, plus lone surrogates. The low one comes first: a high surrogate
 * followed by a low one would be a valid pair (U+10000), not two lone halves.
 */
export const XML_ILLEGAL_CHARS = [
  ...range(0x00, 0x08),
  0x0b,
  0x0c,
  ...range(0x0e, 0x1f),
  0xfffe,
  0xffff,
  0xdc00,
  0xd800,
].reduce((text, code) => text + String.fromCharCode(code), '');

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function buildRelatedLink(overrides: Partial<FeedRelatedLink> = {}): FeedRelatedLink {
  const uuid = randomUUID();
  return {
    id: `urn:uuid:${uuid}`,
    url: `${BASE_URL}/posts/related-${uuid}`,
    title: 'Salary negotiation basics',
    ...overrides,
  };
}

/** A valid item; ids and URLs are unique per call. */
export function buildFeedItem(overrides: Partial<FeedItem> = {}): FeedItem {
  const uuid = randomUUID();
  return {
    id: `urn:uuid:${uuid}`,
    url: `${BASE_URL}/posts/interview-tips-${uuid}`,
    externalUrl: null,
    title: 'Interview tips for career fairs',
    contentHtml: '<p>Practice answering common questions out loud.</p>',
    summary: 'Practice answering common questions out loud.',
    author: { name: 'Maya Okafor', url: `${BASE_URL}/authors/maya-okafor` },
    tags: [{ slug: 'interviews', name: 'Interviews' }],
    category: { slug: 'career-fairs', name: 'Career fairs' },
    published: '2025-01-27T18:00:00-03:00',
    updated: '2025-01-27T21:00:00Z',
    image: `${BASE_URL}/images/${uuid}.jpg`,
    related: [buildRelatedLink()],
    ...overrides,
  };
}

/** Everything a post, an author or a tag name could contain that has broken feeds somewhere. */
export function buildHostileItem(overrides: Partial<FeedItem> = {}): FeedItem {
  const nasty = `Tom & Jerry's "résumé" <b>tips</b> ]]> <![CDATA[ </content> ${XML_ILLEGAL_CHARS} مرحبا بالعالم 求职面试 👩🏽‍💻`;
  return buildFeedItem({
    title: nasty,
    // "]]\u0000>" becomes "]]>" once the NUL is stripped: it must not end a CDATA section.
    contentHtml: `<p>${nasty.replace(/[<>&]/g, '')}</p><p>a ]]> b ]]\u0000> c</p><pre>&lt;/content&gt; &lt;![CDATA[ x</pre>`,
    summary: `Summary & <more> ${XML_ILLEGAL_CHARS}`,
    author: { name: `Zoë "Z" O'Neil & Co ${XML_ILLEGAL_CHARS}`, url: `${BASE_URL}/authors/zoe?a=1&b="2"` },
    tags: [
      { slug: 'r-d', name: 'R&D <lab> "quoted"' },
      { slug: 'cjk', name: '求职' },
    ],
    category: { slug: 'rtl', name: `عربي ]]> ${XML_ILLEGAL_CHARS}` },
    image: `${BASE_URL}/images/a.jpg?w=1&h="2"`,
    related: [
      buildRelatedLink({
        title: `<script>alert("x")</script> & ]]> ${XML_ILLEGAL_CHARS}`,
        url: `${BASE_URL}/posts/r?a=1&b=<2>`,
      }),
      buildRelatedLink({ title: 'A link that must be dropped', url: 'javascript:alert(1)' }),
    ],
    ...overrides,
  });
}

export function buildFeedDocument(overrides: Partial<FeedDocument> = {}): FeedDocument {
  return {
    id: `${BASE_URL}/feed`,
    title: 'Career Center blog',
    description: 'Advice on jobs, internships and interviews',
    language: 'en',
    extensionAboutUrl: `${BASE_URL}/about/json-feed-extension`,
    items: [buildFeedItem(), buildFeedItem()],
    links: { self: `${BASE_URL}/feed.xml`, alternateHtml: `${BASE_URL}/` },
    ...overrides,
  };
}
