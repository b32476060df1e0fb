export { createFeedApp } from './app';
export { subscribeToFeedInvalidations } from './feeds/feed-invalidation.subscriber';
