export { createFeedApp } from './app';
export { FeedCache } from './feeds/feed-cache';
export { subscribeToFeedInvalidations } from './feeds/feed-invalidation.subscriber';
