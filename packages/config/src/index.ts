export { loadConfig, parseConfig, ConfigError } from './config';
export type { Config } from './config';
export * from './redact';
