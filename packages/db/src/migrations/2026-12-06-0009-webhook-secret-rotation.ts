import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Webhook secrets are encrypted at rest from now on (`secret` holds `enc:v1:…`), and can be rotated
// with an overlap: the secret before the rotation signs too until `previous_secret_expires_at`.
// Existing plaintext secrets are not touched here: migrations run without WEBHOOK_SECRETS_KEY (it
// belongs to the services, possibly on other hosts), so ingest and the worker encrypt remaining
// plaintext rows when they start (sealPlaintextWebhookSecrets in @careerfeed/sharing).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_destinations').addColumn('previous_secret', 'text').execute();
  await db.schema.alterTable('webhook_destinations').addColumn('previous_secret_expires_at', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_destinations').dropColumn('previous_secret_expires_at').execute();
  await db.schema.alterTable('webhook_destinations').dropColumn('previous_secret').execute();
}
