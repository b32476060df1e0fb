export { createIngestApp } from './app';
export type { IngestAppDeps } from './app';
