export { createWorkerApp } from './app';
export { createPostEventsWorker } from './events/post-events.worker';
export type { PostEventHandler } from './events/post-events.worker';
