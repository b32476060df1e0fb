export { createWorkerApp } from './app';
export { createPostEventsWorker } from './events/post-events.worker';
export type { PostEventHandler } from './events/post-events.worker';
export { createRelatedPostsMaintainer } from './related/related-posts.maintainer';
export { announceFeedChanges } from './feeds/feed-invalidation.publisher';
