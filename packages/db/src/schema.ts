import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Column conventions, chosen so one schema works on SQLite and PostgreSQL alike:
 * - ids are UUIDv7 text (time-ordered, so `ORDER BY id` is creation order and cursors are stable);
 * - instants are ISO-8601 UTC text with milliseconds (`2026-01-02T03:04:05.000Z`), which sorts
 *   lexicographically in both databases; `posts.published_at` additionally keeps the author's own
 *   RFC 3339 text with its offset, because feeds must show the time the way it was written;
 * - JSON values are text, parsed in the repository.
 */
export interface AuthorsTable {
  id: string;
  slug: string;
  name: string;
  bio: string;
  /** JSON object: network name → handle or URL, e.g. {"linkedin": "https://…", "mastodon": "@a@b.social"} */
  links: string;
  /** An absolute http(s) URL of the author's portrait; null: none. Set from the console. */
  photo_url: string | null;
  created_at: string;
  updated_at: string;
}

export type PostStatus = 'draft' | 'published';

export interface PostsTable {
  id: string;
  slug: string;
  title: string;
  /** Sanitized HTML: safe to embed anywhere. */
  html: string;
  excerpt: string;
  text_content: string;
  word_count: number;
  author_id: string;
  category: string | null;
  status: PostStatus;
  /** RFC 3339 as given by the author, offset preserved. */
  published_at: string | null;
  /** The same instant in UTC: the sort and filter key. */
  published_at_utc: string | null;
  created_at: string;
  updated_at: string;
  canonical_url: string | null;
  image: string | null;
  /** Where the post came from: "api" for posts pushed through the API, a source id for syndicated ones. */
  source: string;
  external_id: string | null;
  /** SHA-256 of the stored content: an upsert with an unchanged hash is a no-op and emits no event. */
  content_hash: string;
}

export interface TagsTable {
  slug: string;
  name: string;
}

export interface PostTagsTable {
  post_id: string;
  tag_slug: string;
  /** Keeps the author's tag order. */
  position: number;
}

export interface RelatedPostsTable {
  post_id: string;
  related_id: string;
  /** 0 = most related. */
  rank: number;
  score: number;
}

/** The shared related-posts index (migration 0019; see packages/posts/src/related). */
export interface RelatedStoreMetaTable {
  id: number;
  ranking_version: number;
  k: number;
  posts: number;
  next_slot: number;
  next_term_id: number;
  next_category_id: number;
  /** 1 while the store is being filled from the posts table. */
  filling: number;
  updated_at: string;
}

export interface RelatedStoreTermsTable {
  term_id: number;
  term: string;
  document_frequency: number;
  collection_frequency: number;
}

export interface RelatedStoreCategoriesTable {
  category: string;
  category_id: number;
}

export interface RelatedStorePostsTable {
  post_id: string;
  slot: number;
  category_id: number | null;
  /** Packed analysed fields (term ids and counts). */
  fields: Uint8Array;
  /** Packed base vector (int32 features, float32 weights). */
  base: Uint8Array;
  /** Packed ranked vector. */
  vector: Uint8Array;
  /** 1 when the neighbor list holds every post with a positive score. */
  complete: number;
  weighed_at: string;
}

export interface RelatedStoreNeighborsTable {
  slot: number;
  /** 0 = most related. */
  rank: number;
  neighbor_slot: number;
  neighbor_id: string;
  score: number;
}

export interface RelatedStorePostingsTable {
  /** 0: base vectors, 1: ranked vectors. */
  kind: number;
  feature: number;
  /** Packed (int32 slot, float32 weight) pairs. */
  entries: Uint8Array;
}

export interface RelatedStoreSlotPagesTable {
  page: number;
  /** int32 per slot: category id, -1 for none. */
  categories: Uint8Array;
  /** float64 per slot: the lowest score that may enter the slot's list. */
  thresholds: Uint8Array;
}

export interface SettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  /** SHA-256 of the whole key; the key itself is shown once and never stored. */
  key_hash: string;
  /** First characters of the key, to recognise it in listings. */
  key_prefix: string;
  /** JSON array of scopes. */
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface OutboxEventsTable {
  /** UUIDv7: ordering by id is ordering by time of writing. */
  id: string;
  type: string;
  post_id: string;
  /** JSON of the event payload (schema in @careerfeed/jobs). */
  payload: string;
  created_at: string;
  dispatched_at: string | null;
  /** When the worker finished with the event (handled it, or gave up); until then a relay dispatches it again. */
  handled_at: string | null;
  /** A relay claims a batch until this instant; another relay may take it over afterwards. */
  lease_until: string | null;
  lease_owner: string | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'suspended';
export type DigestFrequency = 'instant' | 'daily' | 'weekly';

export interface SubscribersTable {
  id: string;
  /** As typed, trimmed. */
  email: string;
  /** Lower-cased address: one address is one subscriber. */
  email_key: string;
  status: SubscriberStatus;
  frequency: DigestFrequency;
  /** JSON array of "tag:<slug>" / "category:<slug>"; empty means every post. */
  topics: string;
  /** IANA time zone name. */
  time_zone: string;
  /** Local hour (0-23) at which daily and weekly digests go out. */
  delivery_hour: number;
  /** ISO weekday of weekly digests, 1 = Monday … 7 = Sunday. */
  delivery_weekday: number;
  /** 0 or 1 (SQLite has no boolean). */
  paused: number;
  /** Random per subscription attempt, carried by the confirmation token; null once used. */
  confirmation_nonce: string | null;
  confirmation_sent_at: string | null;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  suspended_at: string | null;
  hard_bounces: number;
  /**
   * Carried by preferences/unsubscribe tokens; bumped on unsubscribing and on a new subscription
   * after one, which revokes every earlier link.
   */
  link_version: Generated<number>;
  /** Posts published before this instant are covered by an earlier digest. */
  digest_cursor: string | null;
  /** When the next daily/weekly digest is due (UTC); null when none is. */
  next_digest_at: string | null;
  created_at: string;
  updated_at: string;
}

export type DigestDeliveryStatus = 'sending' | 'sent' | 'skipped' | 'failed';

export interface DigestDeliveriesTable {
  id: string;
  subscriber_id: string;
  /** "daily:2026-11-25", "weekly:2026-W48", "instant:<window end>". Unique per subscriber. */
  period_key: string;
  status: DigestDeliveryStatus;
  window_start: string;
  window_end: string;
  /** JSON array of post ids. */
  post_ids: string;
  message_id: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export type SourceKind = 'feed' | 'wordpress';

export interface SourcesTable {
  id: string;
  /** The partner feed's address, as given (checked against the SSRF policy when added). */
  url: string;
  interval_minutes: number;
  /** Credited on items that name no author. */
  author: string | null;
  /** Category of every post from this source. */
  category: string | null;
  /** The feed's own title, as last parsed. */
  title: string | null;
  etag: string | null;
  last_modified: string | null;
  last_polled_at: string | null;
  last_success_at: string | null;
  last_error_at: string | null;
  last_error_code: string | null;
  last_error: string | null;
  consecutive_failures: number;
  /** JSON of the last successful poll's counts. */
  last_poll_summary: string | null;
  next_poll_at: string;
  /** `feed` (RSS, Atom, JSON Feed) or `wordpress` (REST API, feed as fallback). */
  kind: ColumnType<SourceKind, SourceKind | undefined, SourceKind>;
  /** WordPress sources: the latest `modified_gmt` stored (ISO 8601), sent as `modified_after`. */
  sync_cursor: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: string;
  updated_at: string;
}

export interface SharePayloadsTable {
  post_id: string;
  /** One of the networks of @careerfeed/core's NETWORKS. */
  network: string;
  /** JSON: the network's own body shape. */
  payload: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookDestinationsTable {
  id: string;
  url: string;
  /** JSON array of networks. */
  networks: string;
  /**
   * The signing secret, encrypted (`enc:v1:…`, AES-256-GCM under WEBHOOK_SECRETS_KEY; see
   * sealWebhookSecret). A `whsec_…` value predates encryption; ingest and the worker seal those at startup.
   */
  secret: string;
  /** During a rotation: the secret before it, encrypted like `secret`; deliveries are signed with both. */
  previous_secret: string | null;
  /** Until when `previous_secret` still signs; null when there is none. */
  previous_secret_expires_at: string | null;
  /** 0 or 1 (SQLite has no boolean). */
  enabled: number;
  /** 'gone' (the receiver answered 410) or 'operator'; null while enabled. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** pending: to be (re)tried; delivered: a 2xx came; failed: retries exhausted (dead letter); cancelled: its destination went away. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface WebhookDeliveriesTable {
  /** The Standard Webhooks message id (`webhook-id`), also the BullMQ job id. */
  id: string;
  destination_id: string;
  post_id: string;
  network: string;
  status: WebhookDeliveryStatus;
  /** The exact body sent on every attempt. */
  body: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempted_at: string;
  /** Null when no response came. */
  status_code: number | null;
  /** 0 until the attempt is finished. */
  duration_ms: number;
  error: string | null;
  /**
   * Null from when the attempt is logged (before its request leaves) until it is finished; null
   * for good when its worker died mid-request (the receiver may or may not have the message).
   */
  outcome: 'delivered' | 'failed' | null;
}

/**
 * One search document per post, written only by the triggers of migration 0012 (read through
 * raw SQL in @careerfeed/posts' search engines). SQLite: `doc_id` is the rowid of the post's row
 * in the FTS5 table `post_search_index`; PostgreSQL: `document` is the post's weighted tsvector.
 */
export interface PostSearchDocumentsTable {
  post_id: string;
}

export type StaffRole = 'editor' | 'admin';

export interface StaffAccountsTable {
  id: string;
  email: string;
  /** Lower-cased address: one address is one account. */
  email_key: string;
  name: string;
  role: StaffRole;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  last_sign_in_at: string | null;
}

export interface StaffSignInLinksTable {
  /** SHA-256 of the token in the link; the token itself is only in the mail. */
  token_hash: string;
  staff_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface StaffSessionsTable {
  id: string;
  /** SHA-256 of the session cookie value. */
  token_hash: string;
  staff_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  revoked_at: string | null;
  user_agent: string | null;
}

export interface StaffAuditLogTable {
  id: string;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  /** JSON object. */
  details: Generated<string>;
  request_id: string | null;
  created_at: string;
}

export type RedirectedTopicKind = 'tag' | 'category';

/** A merged or renamed topic's old slug, answered with a 301 to the topic that replaced it. */
export interface TopicRedirectsTable {
  kind: RedirectedTopicKind;
  from_slug: string;
  to_slug: string;
  created_at: string;
}

/** A syndicated post staff deleted: the poller never recreates (source, external_id). */
export interface PartnerPostTombstonesTable {
  source: string;
  external_id: string;
  title: string;
  deleted_at: string;
}

/** An address no mail may go to (digests, confirmations), whatever its subscription says. */
export interface SuppressedAddressesTable {
  /** Lower-cased address (as subscribers.email_key). */
  email_key: string;
  /** As typed, trimmed. */
  email: string;
  reason: string;
  created_at: string;
}

export interface Database {
  authors: AuthorsTable;
  posts: PostsTable;
  tags: TagsTable;
  post_tags: PostTagsTable;
  related_posts: RelatedPostsTable;
  related_store_meta: RelatedStoreMetaTable;
  related_store_terms: RelatedStoreTermsTable;
  related_store_categories: RelatedStoreCategoriesTable;
  related_store_posts: RelatedStorePostsTable;
  related_store_neighbors: RelatedStoreNeighborsTable;
  related_store_postings: RelatedStorePostingsTable;
  related_store_slot_pages: RelatedStoreSlotPagesTable;
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  outbox_events: OutboxEventsTable;
  subscribers: SubscribersTable;
  digest_deliveries: DigestDeliveriesTable;
  sources: SourcesTable;
  share_payloads: SharePayloadsTable;
  webhook_destinations: WebhookDestinationsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  comments: CommentsTable;
  post_search_documents: PostSearchDocumentsTable;
  staff_accounts: StaffAccountsTable;
  staff_sign_in_links: StaffSignInLinksTable;
  staff_sessions: StaffSessionsTable;
  staff_audit_log: StaffAuditLogTable;
  topic_redirects: TopicRedirectsTable;
  partner_post_tombstones: PartnerPostTombstonesTable;
  suppressed_addresses: SuppressedAddressesTable;
}

export type CommentStatus = 'pending' | 'approved' | 'spam' | 'trash';
export type ReplyNotifications = 'none' | 'pending' | 'confirmed' | 'unsubscribed';

export interface CommentsTable {
  id: string;
  post_id: string;
  /** A comment on the same post this one replies to; null for a comment on the post. */
  parent_id: string | null;
  depth: number;
  /** Plain text, shown as typed. */
  author_name: string;
  /** Never shown publicly. */
  author_email: string;
  /** Lower-cased address. */
  author_email_key: string;
  author_url: string | null;
  /** Sanitized HTML (the comment allowlist). */
  body_html: string;
  status: CommentStatus;
  spam_reason: string | null;
  reply_notifications: ReplyNotifications;
  created_at: string;
  updated_at: string;
  approved_at: string | null;
  /** Where an imported comment came from (`<site>/?p=<post>#comment-<id>` for WordPress); null for readers' comments. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type CommentRow = Selectable<CommentsTable>;
export type NewCommentRow = Insertable<CommentsTable>;

export type AuthorRow = Selectable<AuthorsTable>;
export type NewAuthorRow = Insertable<AuthorsTable>;
export type PostRow = Selectable<PostsTable>;
export type NewPostRow = Insertable<PostsTable>;
export type PostRowUpdate = Updateable<PostsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type OutboxEventRow = Selectable<OutboxEventsTable>;
export type SubscriberRow = Selectable<SubscribersTable>;
export type NewSubscriberRow = Insertable<SubscribersTable>;
export type DigestDeliveryRow = Selectable<DigestDeliveriesTable>;
export type SourceRow = Selectable<SourcesTable>;
export type SourceRowUpdate = Updateable<SourcesTable>;
export type SharePayloadRow = Selectable<SharePayloadsTable>;
export type WebhookDestinationRow = Selectable<WebhookDestinationsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
export type StaffAccountRow = Selectable<StaffAccountsTable>;
export type StaffSessionRow = Selectable<StaffSessionsTable>;
export type StaffSignInLinkRow = Selectable<StaffSignInLinksTable>;
export type StaffAuditLogRow = Selectable<StaffAuditLogTable>;
export type TopicRedirectRow = Selectable<TopicRedirectsTable>;
export type PartnerPostTombstoneRow = Selectable<PartnerPostTombstonesTable>;
export type SuppressedAddressRow = Selectable<SuppressedAddressesTable>;
