import { type BlueskyFacet, type ShareInput, buildBlueskyPayload, buildSharePayloads } from './index';

const DID = 'did:plc:z72i7hdynmk6r22z27h6tvur';

function buildInput(overrides: Partial<ShareInput> = {}): ShareInput {
  return {
    title: 'Career fair: bring your résumé 👩‍💻',
    excerpt: '求職活動の始め方 — what to ask employers.',
    url: 'https://careers.example.edu/posts/fair',
    tags: ['career fairs'],
    authorHandles: { bluesky: 'maya.bsky.social' },
    blueskyDid: DID,
    ...overrides,
  };
}

/** The text a facet covers, cut at its byte offsets as Bluesky's clients cut it. */
function covered(text: string, facet: BlueskyFacet): string {
  return Buffer.from(text, 'utf8').subarray(facet.index.byteStart, facet.index.byteEnd).toString('utf8');
}

const mentions = (facets: BlueskyFacet[]) =>
  facets.filter((f) => f.features.some((x) => x.$type === 'app.bsky.richtext.facet#mention'));

describe('Bluesky mention facets', () => {
  test('with a DID, the "@handle" of the via gets a mention facet at UTF-8 byte offsets, after non-ASCII text', () => {
    const payload = buildBlueskyPayload(buildInput());
    const [mention, ...others] = mentions(payload.facets);
    expect(others).toEqual([]);
    expect(mention!.features).toEqual([{ $type: 'app.bsky.richtext.facet#mention', did: DID }]);
    expect(covered(payload.text, mention!)).toBe('@maya.bsky.social');
    // Byte offsets, not UTF-16 ones: the é, the emoji ZWJ sequence and the CJK before it are multi-byte.
    const charIndex = payload.text.indexOf('@maya.bsky.social');
    expect(mention!.index.byteStart).toBe(Buffer.byteLength(payload.text.slice(0, charIndex)));
    expect(mention!.index.byteStart).toBeGreaterThan(charIndex);
    expect(mention!.index.byteEnd - mention!.index.byteStart).toBe('@maya.bsky.social'.length);
    // The link and tag facets still cover what they name.
    const link = payload.facets.find((f) => f.features[0]!.$type === 'app.bsky.richtext.facet#link')!;
    expect(covered(payload.text, link)).toMatch(/^https:\/\/careers\.example\.edu\/posts\/fair\?/);
    const tag = payload.facets.find((f) => f.features[0]!.$type === 'app.bsky.richtext.facet#tag')!;
    expect(covered(payload.text, tag)).toBe('#CareerFairs');
  });

  test('a handle written with "@" or a bsky.app link gives the same facet; a title with no excerpt still places it', () => {
    for (const handle of ['@maya.bsky.social', 'maya.bsky.social']) {
      const payload = buildBlueskyPayload(buildInput({ excerpt: '', authorHandles: { bluesky: handle } }));
      const [mention] = mentions(payload.facets);
      expect(covered(payload.text, mention!)).toBe('@maya.bsky.social');
    }
  });

  test('when the excerpt is shortened to fit 300 graphemes, the mention still covers the handle', () => {
    const payload = buildBlueskyPayload(buildInput({ excerpt: 'Ünïcödé wörds '.repeat(60) }));
    const [mention] = mentions(payload.facets);
    expect(covered(payload.text, mention!)).toBe('@maya.bsky.social');
  });

  test('without a DID, or with something that is not a DID, the handle stays plain text with no mention facet', () => {
    for (const blueskyDid of [undefined, 'maya.bsky.social', 'did:plc:', 'did:plc:abc def']) {
      const { blueskyDid: _omit, ...input } = buildInput();
      const payload = buildBlueskyPayload(blueskyDid === undefined ? input : { ...input, blueskyDid });
      expect(payload.text).toContain('via @maya.bsky.social');
      expect(mentions(payload.facets)).toEqual([]);
    }
  });

  test("the DID is Bluesky's alone: other networks' payloads are unchanged by it", () => {
    const { blueskyDid: _omit, ...withoutDid } = buildInput();
    const a = buildSharePayloads(buildInput());
    const b = buildSharePayloads(withoutDid);
    expect({ ...a, bluesky: undefined }).toEqual({ ...b, bluesky: undefined });
    expect(a.bluesky.text).toBe(b.bluesky.text);
  });
});
