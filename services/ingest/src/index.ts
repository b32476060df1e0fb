export { createIngestApp } from './app';
export type { IngestAppDeps } from './app';
export { type SignInRateLimits, createSignInRateLimits } from './console/sign-in-rate-limits';
export type { ConsoleDeps, ConsoleSection } from './console/console-context';
