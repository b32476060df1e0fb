// What tests import to run the worker, or one of its parts, in process.
export { createWorker } from './worker';
export type { CareerfeedWorker, WorkerDeps, WorkerSettings } from './worker';
export { createWorkerApp } from './app';
export { createPostEventsWorker } from './events/post-events.worker';
export type { PostEventHandler } from './events/post-events.worker';
export { createRelatedPostsMaintainer } from './related/related-posts.maintainer';
export type { RebuildOutcome, RelatedPostsMaintainer, ReweighOutcome } from './related/related-posts.maintainer';
export { findVisibleDocuments } from './related/related.repository';
export { createRelatedPostsEngine } from './related/related-posts.engine';
export { relatedRebuildMetrics, relatedReweighMetrics } from './related/related-rebuild.metrics';
export { announceFeedChanges } from './feeds/feed-invalidation.publisher';
export * from './scheduling/post-goes-live';
export * from './websub/websub-ping';
export * from './sources/poll-source.job';
export * from './sources/source-polls.worker';
export { workerMetrics } from './metrics/worker.metrics';
