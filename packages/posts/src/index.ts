// The post write model and the rules every service shares: what a post is, who wrote it, where
// it came from (API, CLI import, partner source), when readers see it, where it lives, and the
// outbox that announces its changes.
export * from './posts/visibility';
export * from './posts/post-url';
export * from './posts/related-links';
export * from './posts/posts.schema';
export * from './posts/posts.resource';
export * from './posts/share-payloads.schema';
export * from './posts/posts.service';
export * from './posts/posts-batch';
export * as postsRepository from './posts/posts.repository';
export { findPostByExternalId } from './posts/posts.repository';
export * from './authors/authors.service';
export * from './sources/sources.schema';
export * from './sources/sources.resource';
export * from './sources/sources.service';
export * from './scheduling/go-live';
export * from './site/site';
export { createOutboxRelay } from './outbox/outbox-relay';
export type { OutboxRelay, OutboxRelayOptions } from './outbox/outbox-relay';
export {
  countPendingOutboxEvents,
  markOutboxEventHandled,
  oldestPendingOutboxEventAt,
} from './outbox/outbox.repository';
export * from './media/media';
export * from './topics/topics.service';
export * from './search/search-terms';
export * from './search/snippet';
export * from './search/search.service';
export {
  type PostSearchEngine,
  type SearchHitRow,
  findPopularTags,
  postgresFullTextEngine,
  searchEngineFor,
  sqliteFts5Engine,
} from './search/search.repository';
export {
  RelatedStore,
  type RelatedStoreOptions,
  type RelatedStoreState,
  type StoreUpdate,
} from './related/related-store';
