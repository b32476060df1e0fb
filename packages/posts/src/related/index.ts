/**
 * `@careerfeed/posts/related`: what the related-posts thread needs (the store and the visibility
 * rule), without the package's index, which also loads BullMQ, the feed parsers, the HTTP helpers
 * and, through `@careerfeed/core`, the mail renderer — tens of MB of heap in a thread that uses
 * none of them.
 */
export { RelatedStore, type RelatedStoreOptions, type RelatedStoreState, type StoreUpdate } from './related-store';
export { visiblePostsAt } from '../posts/visibility';
