import { nextDigestDue } from './schedule';

/**
 * What a subscriber chooses, and the rules about addresses and topics that every producer and
 * consumer of subscriptions shares. Pure: no I/O.
 */

export const DIGEST_FREQUENCIES = ['instant', 'daily', 'weekly'] as const;
export type Frequency = (typeof DIGEST_FREQUENCIES)[number];

export interface SubscriberPreferences {
  frequency: Frequency;
  /**
   * "topic:<slug>" (a tag or a category of that slug: what the forms store), or the older
   * "tag:<slug>" / "category:<slug>", still honoured; empty means every post.
   */
  topics: string[];
  /** IANA time zone name. */
  timeZone: string;
  /** Local hour 0-23. */
  deliveryHour: number;
  /** ISO weekday of weekly digests, 1 = Monday … 7 = Sunday. */
  deliveryWeekday: number;
  paused: boolean;
}

export const DEFAULT_PREFERENCES: Readonly<SubscriberPreferences> = Object.freeze({
  frequency: 'weekly',
  topics: [],
  timeZone: 'UTC',
  deliveryHour: 8,
  deliveryWeekday: 1,
  paused: false,
});

/** RFC 5321 caps a forward path at 256 octets including the angle brackets. */
export const EMAIL_MAX_LENGTH = 254;

// Dot-atom local part (RFC 5322 atext) and an ASCII host name with a letter-only TLD. Quoted local
// parts, IP literals and internationalized addresses are refused: they are rare in a campus
// audience and not every relay accepts them (SMTPUTF8).
const EMAIL_PATTERN =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function isPlausibleEmail(address: string): boolean {
  if (address.length > EMAIL_MAX_LENGTH) return false;
  const at = address.lastIndexOf('@');
  return at > 0 && at <= 64 && EMAIL_PATTERN.test(address);
}

/** One address, one subscriber: `Ana@Uni.edu` and `ana@uni.edu` are the same person in practice. */
export function emailKeyOf(address: string): string {
  return address.toLowerCase();
}

/**
 * C0 and C1 control characters (CR and LF among them) and the Unicode line and paragraph
 * separators. None belongs in any field of a subscription; in an address or a name they are how
 * a header injection starts.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/**
 * What a stored topic key names: `topic` is the reader's topic (the tag and the category of that
 * slug, whichever exist, now or later); `tag` and `category` are the narrower keys stored before
 * topics were unified, and still accepted.
 */
export type TopicKind = 'topic' | 'tag' | 'category';

export function topicKey(kind: TopicKind, slug: string): string {
  return `${kind}:${slug}`;
}

/** Parses a stored topic key; null for anything else. */
export function parseTopicKey(key: string): { kind: TopicKind; slug: string } | null {
  const match = /^(topic|tag|category):(.+)$/.exec(key);
  return match ? { kind: match[1] as TopicKind, slug: match[2]! } : null;
}

/** The slug of the reader's topic a stored key belongs to ("tag:x", "category:x" and "topic:x" all give x). */
export function topicSlugOfKey(key: string): string | null {
  return parseTopicKey(key)?.slug ?? null;
}

/**
 * When the next scheduled digest of a subscriber is due, as stored in `next_digest_at`: only
 * active, unpaused daily and weekly subscribers have one (instant mails follow new posts).
 */
export function nextScheduledDigest(
  preferences: SubscriberPreferences,
  status: 'pending' | 'active' | 'unsubscribed' | 'suspended',
  now: Date,
): string | null {
  if (status !== 'active' || preferences.paused || preferences.frequency === 'instant') return null;
  return nextDigestDue(
    {
      frequency: preferences.frequency,
      timeZone: preferences.timeZone,
      deliveryHour: preferences.deliveryHour,
      deliveryWeekday: preferences.deliveryWeekday,
    },
    now,
  ).toISOString();
}

/** The topics that exist now: tag slugs and category slugs. */
export interface TopicCatalogue {
  tags: ReadonlySet<string>;
  categories: ReadonlySet<string>;
}

/**
 * Topic keys for what a subscriber asked for: "topic:<slug>", "tag:<slug>" and "category:<slug>" as they are, a
 * bare slug as every kind that has it (a slug that is both a tag and a category means both).
 * Anything that names no existing topic is reported with its index. The keys come back sorted and
 * without duplicates, so equal choices are stored equally.
 */
export function resolveTopics(
  requested: readonly string[],
  catalogue: TopicCatalogue,
): { keys: string[]; unknown: { index: number; value: string }[] } {
  const keys = new Set<string>();
  const unknown: { index: number; value: string }[] = [];
  requested.forEach((value, index) => {
    const parsed = parseTopicKey(value);
    const found: string[] = [];
    if (parsed) {
      const known =
        parsed.kind === 'topic'
          ? catalogue.tags.has(parsed.slug) || catalogue.categories.has(parsed.slug)
          : (parsed.kind === 'tag' ? catalogue.tags : catalogue.categories).has(parsed.slug);
      if (known) found.push(value);
    } else {
      if (catalogue.tags.has(value)) found.push(topicKey('tag', value));
      if (catalogue.categories.has(value)) found.push(topicKey('category', value));
    }
    if (found.length === 0) unknown.push({ index, value });
    for (const key of found) keys.add(key);
  });
  return { keys: [...keys].sort(), unknown };
}
