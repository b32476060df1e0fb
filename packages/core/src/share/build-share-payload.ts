import {
  blueskyLength,
  codePoints,
  mastodonLength,
  threadsGraphemeLength,
  threadsLength,
  threadsLinkCount,
  xGraphemeWeight,
  xLength,
} from './counters';
import { tagsToHashtags } from './hashtags';
import { escapeLittleText, littleTextHashtag } from './linkedin-text';
import {
  type BlueskyFacet,
  type BlueskyPayload,
  type FacebookPayload,
  type LinkedInPayload,
  type MastodonPayload,
  type Network,
  type ShareInput,
  type ShareLimits,
  type SharePayloads,
  type ThreadsPayload,
  type XPayload,
} from './share.types';
import { type Gauge, graphemeCount, normalizeShareText, shortenToFit } from './text-fit';
import { addUtmParams } from './utm';

/** A rendering of the template with the positions of what Bluesky needs facets for. */
interface Composed {
  text: string;
  link?: { start: number; end: number };
  /** "@handle" inside the "via" (the part a Bluesky mention facet covers). */
  mention?: { start: number; end: number };
  tags: { start: number; end: number; tag: string }[];
}

type Compose = (title: string, excerpt: string, hashtags: readonly string[]) => Composed;

interface Prepared {
  title: string;
  excerpt: string;
  hashtags: string[];
  via: string;
  link: string;
}

const VIA_PREFIX = 'via ';

function prepare(input: ShareInput, network: Network): Prepared {
  const handle = normalizeShareText(input.authorHandles?.[network] ?? '')
    .replace(/^@+/, '')
    .replace(/\s+/g, '');
  return {
    title: normalizeShareText(input.title),
    excerpt: normalizeShareText(input.excerpt),
    hashtags: tagsToHashtags(input.tags),
    via: handle === '' ? '' : `${VIA_PREFIX}@${handle}`,
    link: addUtmParams(input.url, network, input.utm),
  };
}

/**
 * The template every network shares:
 *   Title
 *
 *   Excerpt via @handle
 *
 *   https://link
 *   #Tag #Other
 * `link` undefined leaves the URL out (networks that carry it beside the text).
 */
function plainComposer(via: string, link: string | undefined): Compose {
  return (title, excerpt, hashtags) => {
    const body = [title, excerpt].filter((s) => s !== '').join('\n\n');
    let text = via === '' ? body : body === '' ? via : `${body} ${via}`;
    const composed: Composed = { text, tags: [] };
    // The via ends the text so far; "via " precedes the mention.
    if (via !== '') composed.mention = { start: text.length - via.length + VIA_PREFIX.length, end: text.length };
    if (link !== undefined) {
      if (text !== '') text += '\n\n';
      composed.link = { start: text.length, end: text.length + link.length };
      text += link;
    }
    hashtags.forEach((tag, i) => {
      text += text === '' ? '' : i === 0 ? '\n' : ' ';
      composed.tags.push({ start: text.length, end: text.length + tag.length, tag: tag.slice(1) });
      text += tag;
    });
    composed.text = text;
    return composed;
  };
}

/**
 * A network's limits over the whole rendered text, with its counter in the two forms `Gauge`
 * describes (a real `measure` and a per-unit `cost` for estimating shortened texts).
 */
interface Counter {
  measure(text: string): readonly number[];
  limits: readonly number[];
  cost(unit: string, isUrl: boolean): readonly number[];
}

/**
 * Fits the template into the counter's limits, giving up text in this order: the excerpt
 * (shortened at a word boundary, then dropped), hashtags from the end, the title (shortened, then
 * dropped). The link and the "via" are never given up; a limit too small even for them is a
 * configuration error.
 */
function fitTemplate(p: Prepared, compose: Compose, counter: Counter): Composed {
  // The same text is often counted twice (the full template, then the search's own first check);
  // real counters are the expensive part, so each distinct text is counted once.
  const counted = new Map<string, readonly number[]>();
  const measure = (text: string): readonly number[] => {
    const known = counted.get(text);
    if (known !== undefined) return known;
    const counts = counter.measure(text);
    counted.set(text, counts);
    return counts;
  };
  const ok = (c: Composed): boolean => measure(c.text).every((n, i) => n <= (counter.limits[i] as number));
  const full = compose(p.title, p.excerpt, p.hashtags);
  if (ok(full)) return full;

  // Searches weigh the piece being shortened once (see shortenToFit); the gauge measures the
  // payload around each candidate piece.
  const gauge = (render: (piece: string) => Composed): Gauge => ({
    measure: (piece) => measure(render(piece).text),
    limits: counter.limits,
    cost: counter.cost,
  });

  const withExcerpt = (e: string): Composed => compose(p.title, e, p.hashtags);
  const excerpt = shortenToFit(p.excerpt, (e) => ok(withExcerpt(e)), gauge(withExcerpt));
  if (excerpt !== undefined) return withExcerpt(excerpt);

  for (let n = p.hashtags.length - 1; n >= 0; n--) {
    const c = compose(p.title, '', p.hashtags.slice(0, n));
    if (ok(c)) return c;
  }

  const titleAlone = (t: string): Composed => compose(t, '', []);
  const title = shortenToFit(p.title, (t) => ok(titleAlone(t)), gauge(titleAlone));
  if (title !== undefined) return titleAlone(title);
  throw new RangeError('share payload limit is too small for the link alone');
}

/** Plain character counts (UTF-16 code units), the rule of LinkedIn and Facebook. */
function charCounter(max: number, escape: (s: string) => string = (s) => s): Counter {
  return { measure: (t) => [t.length], limits: [max], cost: (unit) => [escape(unit).length] };
}

export function buildXPayload(input: ShareInput, limits: ShareLimits = {}): XPayload {
  const max = limits.x?.maxWeightedLength ?? 280;
  const p = prepare(input, 'x');
  const counter: Counter = {
    measure: (t) => [xLength(t)],
    limits: [max],
    cost: (unit, isUrl) => [isUrl ? xLength(unit) : xGraphemeWeight(unit)],
  };
  return { text: fitTemplate(p, plainComposer(p.via, p.link), counter).text };
}

export function buildMastodonPayload(input: ShareInput, limits: ShareLimits = {}): MastodonPayload {
  const max = limits.mastodon?.maxChars ?? 500;
  const urlLength = limits.mastodon?.urlLength ?? 23;
  const p = prepare(input, 'mastodon');
  const counter: Counter = {
    measure: (t) => [mastodonLength(t, urlLength)],
    limits: [max],
    cost: (unit, isUrl) => [isUrl ? mastodonLength(unit, urlLength) : codePoints(unit)],
  };
  return { status: fitTemplate(p, plainComposer(p.via, p.link), counter).text };
}

// DID syntax (W3C DID Core, as the AT Protocol restricts it): method, then the method-specific id.
export const BLUESKY_DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/;

// The app.bsky.richtext.facet#tag lexicon caps a tag at 64 graphemes.
const BLUESKY_MAX_TAG_GRAPHEMES = 64;

export function buildBlueskyPayload(input: ShareInput, limits: ShareLimits = {}): BlueskyPayload {
  const maxGraphemes = limits.bluesky?.maxGraphemes ?? 300;
  const maxBytes = limits.bluesky?.maxBytes ?? 3000;
  const prepared = prepare(input, 'bluesky');
  const p = {
    ...prepared,
    hashtags: prepared.hashtags.filter((h) => graphemeCount(h) - 1 <= BLUESKY_MAX_TAG_GRAPHEMES),
  };
  const counter: Counter = {
    measure: (t) => {
      const n = blueskyLength(t);
      return [n.graphemes, n.bytes];
    },
    limits: [maxGraphemes, maxBytes],
    cost: (unit, isUrl) => [isUrl ? graphemeCount(unit) : 1, Buffer.byteLength(unit, 'utf8')],
  };
  const c = fitTemplate(p, plainComposer(p.via, p.link), counter);

  // Facets index UTF-8 bytes, not UTF-16 code units.
  const bytes = (start: number, end: number): { byteStart: number; byteEnd: number } => {
    const byteStart = Buffer.byteLength(c.text.slice(0, start), 'utf8');
    return { byteStart, byteEnd: byteStart + Buffer.byteLength(c.text.slice(start, end), 'utf8') };
  };
  const facets: BlueskyFacet[] = [];
  if (c.mention && input.blueskyDid !== undefined && BLUESKY_DID.test(input.blueskyDid)) {
    facets.push({
      index: bytes(c.mention.start, c.mention.end),
      features: [{ $type: 'app.bsky.richtext.facet#mention', did: input.blueskyDid }],
    });
  }
  if (c.link) {
    facets.push({
      index: bytes(c.link.start, c.link.end),
      features: [{ $type: 'app.bsky.richtext.facet#link', uri: p.link }],
    });
  }
  for (const t of c.tags) {
    facets.push({ index: bytes(t.start, t.end), features: [{ $type: 'app.bsky.richtext.facet#tag', tag: t.tag }] });
  }
  const external: BlueskyPayload['embed']['external'] = { uri: p.link, title: p.title, description: p.excerpt };
  if (input.image !== undefined) external.thumb = input.image;
  return { text: c.text, facets, embed: { $type: 'app.bsky.embed.external', external } };
}

export function buildLinkedInPayload(input: ShareInput, limits: ShareLimits = {}): LinkedInPayload {
  const max = limits.linkedin?.maxChars ?? 3000;
  const p = prepare(input, 'linkedin');
  // The link travels as the article card (content.article.source), so the commentary leaves it
  // out. Pieces are escaped after shortening, so a cut can never split an escape sequence.
  const compose: Compose = (title, excerpt, hashtags) => {
    const body = [title, excerpt]
      .filter((s) => s !== '')
      .map(escapeLittleText)
      .join('\n\n');
    const via = escapeLittleText(p.via);
    const text = [
      via === '' ? body : body === '' ? via : `${body} ${via}`,
      hashtags.map((h) => littleTextHashtag(h.slice(1))).join(' '),
    ]
      .filter((s) => s !== '')
      .join('\n\n');
    return { text, tags: [] };
  };
  const commentary = fitTemplate(p, compose, charCounter(max, escapeLittleText)).text;
  return { commentary, content: { article: { source: p.link, title: p.title, description: p.excerpt } } };
}

export function buildFacebookPayload(input: ShareInput, limits: ShareLimits = {}): FacebookPayload {
  const max = limits.facebook?.maxChars ?? 63206;
  const p = prepare(input, 'facebook');
  const message = fitTemplate(p, plainComposer(p.via, undefined), charCounter(max)).text;
  return { message, link: p.link };
}

export function buildThreadsPayload(input: ShareInput, limits: ShareLimits = {}): ThreadsPayload {
  const max = limits.threads?.maxChars ?? 500;
  const maxLinks = limits.threads?.maxLinks ?? 5;
  const p = prepare(input, 'threads');
  const counter: Counter = {
    measure: (t) => [threadsLength(t), threadsLinkCount(t)],
    limits: [max, maxLinks],
    // A URL counts as one link; a repeated one does not really, which only makes the estimate
    // cautious (and then the exact search decides).
    cost: (unit, isUrl) => (isUrl ? [threadsLength(unit), 1] : [threadsGraphemeLength(unit), 0]),
  };
  return { text: fitTemplate(p, plainComposer(p.via, p.link), counter).text };
}

const BUILDERS: { [N in Network]: (input: ShareInput, limits?: ShareLimits) => SharePayloads[N] } = {
  x: buildXPayload,
  mastodon: buildMastodonPayload,
  bluesky: buildBlueskyPayload,
  linkedin: buildLinkedInPayload,
  facebook: buildFacebookPayload,
  threads: buildThreadsPayload,
};

export function buildSharePayload<N extends Network>(
  network: N,
  input: ShareInput,
  limits: ShareLimits = {},
): SharePayloads[N] {
  return BUILDERS[network](input, limits);
}

/** One payload per network, keyed by network, in each network's own body shape. */
export function buildSharePayloads(input: ShareInput, limits: ShareLimits = {}): SharePayloads {
  return {
    x: buildXPayload(input, limits),
    mastodon: buildMastodonPayload(input, limits),
    bluesky: buildBlueskyPayload(input, limits),
    linkedin: buildLinkedInPayload(input, limits),
    facebook: buildFacebookPayload(input, limits),
    threads: buildThreadsPayload(input, limits),
  };
}

/** The payloads of the given networks only (the enabled ones), keyed by network. */
export function buildSharePayloadsFor(
  networks: readonly Network[],
  input: ShareInput,
  limits: ShareLimits = {},
): Partial<SharePayloads> {
  const payloads: Partial<Record<Network, unknown>> = {};
  for (const network of networks) payloads[network] = buildSharePayload(network, input, limits);
  return payloads as Partial<SharePayloads>;
}
