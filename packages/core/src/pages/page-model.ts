/**
 * What the page renderers consume. Every string is plain text exactly as stored (the renderers
 * escape it) except `PostView.html`, which is the sanitized body from the database. URLs are
 * absolute; the renderers drop any that is not http(s).
 */

export interface FeedLinkView {
  format: 'rss' | 'atom' | 'json';
  /** e.g. "Career Center Blog: posts tagged Resume (RSS)": what a reader's subscribe dialog shows. */
  title: string;
  url: string;
}

export interface SiteView {
  title: string;
  description: string;
  /** BCP 47; the `lang` of every page and the locale of displayed dates. */
  language: string;
  /** `${publicBaseUrl}/` */
  homeUrl: string;
  /** The site-wide feeds, offered in every page's footer. */
  feeds: FeedLinkView[];
}

export interface LinkView {
  title: string;
  url: string;
}

export interface PostSummaryView {
  title: string;
  url: string;
  /** Plain text. */
  excerpt: string;
  /** RFC 3339 with the author's offset. */
  published: string;
  author: { name: string; url: string };
}

export interface PaginationView {
  page: number;
  /** Page `page - 1`: newer posts (lists are newest first). */
  newerUrl?: string;
  /** Page `page + 1`: older posts. */
  olderUrl?: string;
}

export interface AuthorView {
  name: string;
  /** The author's page here. */
  url: string;
  /** Plain text; blank lines separate paragraphs. */
  bio: string;
  /** As stored: network → handle or URL (see `describeAuthorLinks`). */
  links: Record<string, string>;
}

export interface IndexPageView {
  site: SiteView;
  /** This page's own URL (page 1 is the home URL). */
  url: string;
  posts: PostSummaryView[];
  pagination: PaginationView;
  /** Where readers who prefer email sign up for digests. */
  emailSubscribeUrl?: string;
}

export interface ListPageView {
  site: SiteView;
  kind: 'tag' | 'category' | 'author';
  /** Display name of the tag, category or author. */
  name: string;
  url: string;
  /** This scope's own three feeds. */
  feeds: FeedLinkView[];
  posts: PostSummaryView[];
  pagination: PaginationView;
  /** Only for author pages. */
  author?: AuthorView;
}

export interface PostView {
  title: string;
  /** Sanitized HTML from the database: embedded as is. */
  html: string;
  /** Plain text; the description in meta tags and JSON-LD. */
  excerpt: string;
  /** Our permalink. */
  url: string;
  /** Where the original lives when the post is syndicated, otherwise `url`. */
  canonicalUrl: string;
  /** Featured image, absolute URL. */
  image: string | null;
  /** RFC 3339 with the author's offset. */
  published: string;
  /** RFC 3339 UTC. */
  updated: string;
  author: AuthorView;
  tags: LinkView[];
  category: LinkView | null;
}

export interface PostPageView {
  site: SiteView;
  post: PostView;
  related: LinkView[];
  /** The comments section, markup rendered by @careerfeed/comments (escaped there); absent: none. */
  commentsHtml?: string;
}

export interface ErrorPageView {
  site: SiteView;
  status: number;
  heading: string;
  /** Plain text for the reader. */
  message: string;
}

/** A topic readers can choose: a tag or a category. */
export interface TopicOptionView {
  /** "tag:<slug>" or "category:<slug>": the form value and what is stored. */
  key: string;
  label: string;
}

/** The values a subscription form shows (defaults, or what the subscriber chose). */
export interface SubscriptionFormValues {
  frequency: 'instant' | 'daily' | 'weekly';
  topics: string[];
  timeZone: string;
  deliveryHour: number;
  deliveryWeekday: number;
  paused: boolean;
}

export interface SubscribePageView {
  site: SiteView;
  topics: TopicOptionView[];
  /** IANA names offered in the select. */
  timeZones: string[];
  values: SubscriptionFormValues;
}

export interface PreferencesPageView {
  site: SiteView;
  /** The subscriber's manage token: carried by the form in a hidden field. */
  token: string;
  /** The address the preferences belong to (the person holding the link already knows it). */
  email: string;
  status: 'pending' | 'active' | 'unsubscribed' | 'suspended';
  topics: TopicOptionView[];
  timeZones: string[];
  values: SubscriptionFormValues;
  unsubscribeUrl: string;
  /** Shown after a successful save. */
  saved?: boolean;
}

/**
 * A short page in the subscription flow: "check your inbox", "you are subscribed", an expired
 * link, a validation error… Paragraphs are plain text; `form` is a one-button POST form.
 */
export interface SubscriptionMessageView {
  site: SiteView;
  heading: string;
  paragraphs: string[];
  /** Field errors of a refused form, shown as a list. */
  errors?: { path: string; message: string }[];
  links?: LinkView[];
  form?: { action: string; button: string };
}
