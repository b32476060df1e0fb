/** The networks we build share payloads for; also the `utm_source` of each payload's link. */
export const NETWORKS = ['x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'threads'] as const;
export type Network = (typeof NETWORKS)[number];

export interface ShareUtm {
  /** Overrides the default `utm_source`, which is the network's name. */
  source?: string;
  /** Default `social`. */
  medium?: string;
  /** Default `careerfeed`. */
  campaign?: string;
}

/** What a share payload is built from: one published post. */
export interface ShareInput {
  title: string;
  excerpt: string;
  /** Absolute URL of the post. */
  url: string;
  tags: string[];
  /** The author's handle per network, with or without a leading "@". */
  authorHandles?: Partial<Record<Network, string>>;
  /**
   * The DID (`did:plc:…`) of `authorHandles.bluesky`, resolved by the caller: the Bluesky payload
   * then has a mention facet on "@handle". Without it the handle is plain text.
   */
  blueskyDid?: string;
  utm?: ShareUtm;
  /** Absolute URL of the post's image, used as the Bluesky card thumbnail. */
  image?: string;
}

/** Per-network limits; every field has a default matching the network's public rules. */
export interface ShareLimits {
  /** twitter-text weighted length. Default 280. */
  x?: { maxWeightedLength?: number };
  /** Mastodon instances configure both. Defaults 500 and 23. */
  mastodon?: { maxChars?: number; urlLength?: number };
  /** Defaults 300 graphemes and 3000 UTF-8 bytes (the app.bsky.feed.post lexicon). */
  bluesky?: { maxGraphemes?: number; maxBytes?: number };
  /** Default 3000 characters (Posts API commentary). */
  linkedin?: { maxChars?: number };
  /** Default 63206 characters. */
  facebook?: { maxChars?: number };
  /** Defaults 500 characters and 5 links. */
  threads?: { maxChars?: number; maxLinks?: number };
}

export interface XPayload {
  text: string;
}
export interface MastodonPayload {
  status: string;
}
export interface BlueskyByteSlice {
  byteStart: number;
  byteEnd: number;
}
export type BlueskyFacetFeature =
  | { $type: 'app.bsky.richtext.facet#link'; uri: string }
  | { $type: 'app.bsky.richtext.facet#tag'; tag: string }
  | { $type: 'app.bsky.richtext.facet#mention'; did: string };
export interface BlueskyFacet {
  index: BlueskyByteSlice;
  features: BlueskyFacetFeature[];
}
export interface BlueskyExternalEmbed {
  $type: 'app.bsky.embed.external';
  external: { uri: string; title: string; description: string; thumb?: string };
}
export interface BlueskyPayload {
  text: string;
  facets: BlueskyFacet[];
  embed: BlueskyExternalEmbed;
}
export interface LinkedInPayload {
  commentary: string;
  content: { article: { source: string; title: string; description: string } };
}
export interface FacebookPayload {
  message: string;
  link: string;
}
export interface ThreadsPayload {
  text: string;
}

export interface SharePayloads {
  x: XPayload;
  mastodon: MastodonPayload;
  bluesky: BlueskyPayload;
  linkedin: LinkedInPayload;
  facebook: FacebookPayload;
  threads: ThreadsPayload;
}
