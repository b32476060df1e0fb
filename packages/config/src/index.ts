export { loadConfig, parseConfig, ConfigError, ENVIRONMENT_VARIABLES, environmentDefaults } from './config';
export type { Config } from './config';
export * from './redact';
export { resolveWebhookSecretsKey, WEBHOOK_SECRETS_KEY_FILE } from './webhook-secrets-key';
