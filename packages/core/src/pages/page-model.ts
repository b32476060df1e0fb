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
  /** `dir` of every page: "rtl" for right-to-left languages. Default ltr. */
  dir?: 'ltr' | 'rtl';
  /** The site's logo, shown in the header before its name. */
  logoUrl?: string;
  /** `/theme.css?v=…` (a path on this host): the site's colours. */
  themeUrl?: string;
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
  /** The one-line script + element that shows these posts on another site (plain text). */
  embedSnippet?: string;
  /** For a tag or category page: the topic page of the same slug (its tag's and category's posts together). */
  topicUrl?: string;
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
  /** `/oembed?url=…&format=json` for this post: announced for oEmbed discovery. */
  oembedUrl?: string;
  /** The email box under the post. */
  subscribe?: CompactSubscribeView;
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

/** A topic readers can choose: the tag and/or the category of one slug. */
export interface TopicOptionView {
  /** "topic:<slug>" (older "tag:<slug>" / "category:<slug>" keys show as their topic): the form value and what is stored. */
  key: string;
  label: string;
  /** Visible posts; shown as a count when known. */
  posts?: number;
}

/** The topic picker: the most popular topics first, then every other topic in its group. */
export interface TopicPickerView {
  popular: TopicOptionView[];
  groups: { label: string; topics: TopicOptionView[] }[];
}

/** A short subscription form (home, post and topic pages); `topics` are offered ticked. */
export interface CompactSubscribeView {
  /** The full form, for more choices. */
  subscribeUrl: string;
  topics: TopicOptionView[];
}

export interface TopicLinkView {
  label: string;
  url: string;
  posts: number;
}

export interface TopicsIndexPageView {
  site: SiteView;
  url: string;
  groups: { label: string; topics: TopicLinkView[] }[];
  /** Every feed of the site, as an OPML file for feed readers. */
  opmlUrl: string;
  subscribeUrl: string;
}

export interface TopicPageView {
  site: SiteView;
  name: string;
  /** Visible posts in the topic. */
  total: number;
  url: string;
  feeds: FeedLinkView[];
  posts: PostSummaryView[];
  pagination: PaginationView;
  /** The narrower tag and category pages of the same slug, where they exist. */
  narrower: LinkView[];
  subscribe: CompactSubscribeView;
  /** The one-line script + element that shows this topic's posts on another site (plain text). */
  embedSnippet: string;
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
  topics: TopicPickerView;
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
  topics: TopicPickerView;
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
