/**
 * What the digest renderer needs to know, independent of the database: the worker maps its rows
 * to these shapes, and everything here is pure.
 */

export interface DigestSite {
  title: string;
  /** Absolute home URL. */
  url: string;
  description?: string;
  /** BCP 47 tag for `<html lang>`; anything else falls back to `en`. */
  language?: string;
  /** `<html dir>`: "rtl" for right-to-left languages. */
  dir?: 'ltr' | 'rtl';
  /** Absolute http(s) URL of the logo shown in the header. */
  logoUrl?: string;
  /** `#rrggbb` of the header band (white text on it). */
  brandColor?: string;
  /** `#rrggbb` of links and buttons. */
  accentColor?: string;
  /** The sender's postal address (CAN-SPAM), printed in every footer; lines kept. */
  postalAddress?: string;
}

export interface DigestPost {
  id: string;
  title: string;
  /** Absolute. */
  url: string;
  authorName: string;
  /** Plain text. */
  excerpt: string;
  /** ISO 8601 UTC. */
  publishedAt: string;
  /** Tag slugs. */
  tags: string[];
  /** Category slug. */
  category: string | null;
  /** What readers see as the post's topics: the category, then the tags' display names. */
  topicNames?: string[];
  image?: string | null;
  related: { title: string; url: string }[];
}

export type DigestFrequency = 'instant' | 'daily' | 'weekly';

export interface DigestRecipient {
  email: string;
  frequency: DigestFrequency;
  /** As stored: `tag:<slug>` / `category:<slug>`; empty means everything. */
  topics: string[];
  /** Absolute. */
  preferencesUrl: string;
  /** Absolute. */
  unsubscribeUrl: string;
}

export interface DigestMail {
  subject: string;
  html: string;
  text: string;
}

export interface DigestRenderer {
  /** Synchronous: per-subscriber work must be string assembly only (10,000 subscribers per run). */
  render(recipient: DigestRecipient, posts: readonly DigestPost[]): DigestMail;
}

export interface DigestRendererOptions {
  /** Posts shown in full; beyond it the mail says "and N more posts" with a link to the site. Default 20. */
  maxPosts?: number;
}
