import { redactSecrets } from './redact';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/**
 * The whole environment surface of careerfeed (docs/contract.md), parsed once at start. `process.env`
 * is read here and nowhere else. docs/configuration.md and .env.example describe every variable.
 */

const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' });

/** The networks share payloads exist for (the same list as @careerfeed/core's NETWORKS). */
export const SHARE_NETWORK_NAMES = ['x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'threads'] as const;
export type ShareNetworkName = (typeof SHARE_NETWORK_NAMES)[number];

const environmentSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite: or postgres://')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  // Prefix of every Redis key (queues, cache, rate limits): lets several deployments or test runs
  // share one Redis without seeing each other.
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
    .default('careerfeed'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Career Center <no-reply@localhost>'),
  COMMENTS_NOTIFY_EMAIL: z
    .string()
    .regex(/^[^\s@<>,;]+@[^\s@<>,;]+\.[A-Za-z]{2,63}$/, 'must be one email address')
    .optional(),
  PUBLIC_BASE_URL: httpUrl.default('http://localhost:3002'),
  HOST: z.string().min(1).default('127.0.0.1'),
  INGEST_PORT: port.default(3001),
  FEED_PORT: port.default(3002),
  WORKER_PORT: port.default(3003),
  ALLOW_PRIVATE_NETWORKS: booleanFlag.default(false),
  WEBSUB_HUB_URL: httpUrl.optional(),
  FEED_CACHE_REFRESH_URL: httpUrl.optional(),
  RELATED_POSTS_COUNT: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 10')
    .max(10, 'must be between 1 and 10')
    .default(3),
  // Full recompute of the related lists (see the related-posts README): also when the index grew,
  // shrank or churned by a quarter; 0 = only then.
  RELATED_REBUILD_INTERVAL_HOURS: z.coerce
    .number({ message: 'must be a number' })
    .min(0, 'must be 0 (re-weigh only after the corpus grew or shrank by a quarter) or more')
    .max(8760, 'must be at most 8760 (a year)')
    .default(24),
  // Mail delivery. DKIM signing is on when all three DKIM variables are set.
  MAIL_RATE_PER_SECOND: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 (no limit) or more')
    .default(20),
  DKIM_DOMAIN: z.string().min(1).optional(),
  DKIM_SELECTOR: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  // Instant subscribers get one mail per batch of posts published within this many seconds.
  INSTANT_DIGEST_DELAY_SECONDS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(86_400, 'must be at most 86400')
    .default(120),
  // How long a post event may stay dispatched to Redis but unhandled before the outbox relay
  // dispatches it again (its job may have vanished with a Redis that restarted empty).
  OUTBOX_REDISPATCH_AFTER_SECONDS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(86_400, 'must be at most 86400')
    .default(300),
  // Share payloads and webhooks. Networks are a comma-separated subset of the six we build for.
  SHARE_NETWORKS: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((n) => n.trim().toLowerCase()))].filter((n) => n !== ''))
    .pipe(
      z
        .array(z.enum(SHARE_NETWORK_NAMES, { message: `each must be one of ${SHARE_NETWORK_NAMES.join(', ')}` }))
        .min(1, 'must name at least one network'),
    )
    .default([...SHARE_NETWORK_NAMES]),
  // Posts published longer than this before they became visible (imports of old posts) are not shared.
  SHARE_MAX_AGE_HOURS: z.coerce
    .number({ message: 'must be a number' })
    .min(0, 'must be 0 or more')
    .max(8760, 'must be at most 8760 (a year)')
    .default(24),
  // The instance the Mastodon payloads are for: its max_characters and characters_reserved_per_url.
  MASTODON_MAX_CHARS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be between 100 and 100000')
    .max(100_000, 'must be between 100 and 100000')
    .default(500),
  MASTODON_URL_LENGTH: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 100')
    .max(100, 'must be between 1 and 100')
    .default(23),
  // Where Bluesky handles (in authors' links) are resolved to DIDs for mention facets: an AT Protocol
  // service answering com.atproto.identity.resolveHandle (any PDS or AppView does).
  BLUESKY_RESOLVER_URL: httpUrl.default('https://bsky.social'),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 60')
    .max(60, 'must be between 1 and 60')
    .default(15),
  // Webhook messages one worker process sends at once. Receivers are remote and slow (tens to
  // hundreds of ms each), so throughput is this over their latency; bounded because each message
  // in flight holds a socket, a BullMQ job lock and, briefly, a database connection.
  WEBHOOK_CONCURRENCY: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .default(50),
  // The AES-256-GCM key webhook destination secrets are encrypted with in the database: 32 random
  // bytes in base64. Unset: a key generated into DATA_DIR/webhook-secrets.key on first use.
  WEBHOOK_SECRETS_KEY: z
    .string()
    .refine(
      (v) => /^[A-Za-z0-9+/_-]{43}=?$/.test(v) && Buffer.from(v, 'base64').length === 32,
      'must be 32 random bytes in base64 (44 characters, e.g. the output of `openssl rand -base64 32`)',
    )
    .transform((v) => Buffer.from(v, 'base64'))
    .optional(),
  // The staff console as staff reach it (the base of mailed sign-in links; https makes its cookie
  // Secure). Default: http://localhost:<INGEST_PORT>/console.
  CONSOLE_URL: httpUrl.optional(),
  // The worker's queue dashboard as staff reach it, linked from the console. Default: the console's
  // host on WORKER_PORT, /admin/queues.
  QUEUE_DASHBOARD_URL: httpUrl.optional(),
  // Behind a reverse proxy, the client address (rate limits) comes from X-Forwarded-For.
  TRUST_PROXY: booleanFlag.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Variables whose values are keys: a problem with one never quotes the value. */
const SECRET_VARIABLES = new Set(['WEBHOOK_SECRETS_KEY']);

/** Every variable the configuration reads, in the schema's order (.env.example is checked against it). */
export const ENVIRONMENT_VARIABLES = Object.freeze(Object.keys(environmentSchema.shape)) as readonly string[];

/**
 * Each variable's default as it would be written in an environment file (lists comma-separated),
 * or undefined where there is none or it is derived from another variable (DATABASE_URL).
 */
export function environmentDefaults(): Record<string, string | undefined> {
  const defaults = environmentSchema.parse({});
  return Object.fromEntries(
    ENVIRONMENT_VARIABLES.map((name) => {
      const value: unknown = defaults[name as keyof typeof defaults];
      return [name, value === undefined ? undefined : Array.isArray(value) ? value.join(',') : String(value)];
    }),
  );
}

export interface Config {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** COMMENTS_NOTIFY_EMAIL: who hears of each new comment (the blog's author or moderator); unset: nobody. */
  readonly commentsNotifyEmail: string | undefined;
  /** Without a trailing slash, so `${publicBaseUrl}/posts/x` is always right. */
  readonly publicBaseUrl: string;
  readonly host: string;
  readonly ports: { readonly ingest: number; readonly feed: number; readonly worker: number };
  readonly allowPrivateNetworks: boolean;
  readonly websubHubUrl: string | undefined;
  /**
   * nginx's refresh server (deploy/nginx/careerfeed.conf, port 8081): changed feeds are re-fetched
   * through it so the cache in front shows a change at once. Unset: no refresh.
   */
  readonly feedCacheRefreshUrl: string | undefined;
  /** Related posts kept and shown per post. */
  readonly relatedPostsCount: number;
  /** Longest time between two full recomputes of the related lists; 0 = by corpus change only. */
  readonly relatedRebuildIntervalMs: number;
  readonly logLevel: string;
  /** Mails per second per worker queue; 0 = no limit. */
  readonly mailRatePerSecond: number;
  readonly dkim:
    { readonly domainName: string; readonly keySelector: string; readonly privateKeyFile: string } | undefined;
  readonly instantDigestDelaySeconds: number;
  readonly outboxRedispatchAfterMs: number;
  readonly trustProxy: boolean;
  readonly share: {
    /** The networks payloads are built and delivered for. */
    readonly networks: readonly ShareNetworkName[];
    /** A post published longer than this before it became visible is not delivered. */
    readonly maxAgeMs: number;
    readonly mastodon: { readonly maxChars: number; readonly urlLength: number };
    /** The AT Protocol service that resolves Bluesky handles to DIDs (no trailing slash). */
    readonly blueskyResolverUrl: string;
  };
  /** Per attempt, the whole exchange. */
  readonly webhookTimeoutMs: number;
  /** Webhook messages in flight at once in one worker process. */
  readonly webhookConcurrency: number;
  /**
   * WEBHOOK_SECRETS_KEY (32 bytes); undefined when unset, and then `resolveWebhookSecretsKey` uses
   * (or creates) DATA_DIR/webhook-secrets.key.
   */
  readonly webhookSecretsKey: Buffer | undefined;
  /** Without a trailing slash: `${consoleUrl}/sign-in`. */
  readonly consoleUrl: string;
  readonly queueDashboardUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (already merged with .env) into a frozen Config; reports every bad variable at once. */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // An empty variable means "not set", as in most shells' `VAR=` usage.
  const nonEmpty = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = environmentSchema.safeParse(nonEmpty);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        // Quoted so the operator sees the value, but never a password inside it; a key is not
        // repeated at all, even a wrong one (it may be a real key of another deployment).
        const got = SECRET_VARIABLES.has(name)
          ? `${String(nonEmpty[name] ?? '').length} characters`
          : redactSecrets(JSON.stringify(nonEmpty[name] ?? null));
        return `${name}: ${issue.message} (got ${got})`;
      }),
    );
  }
  const e = result.data;
  const dkimParts = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY_FILE].filter((v) => v !== undefined);
  if (dkimParts.length !== 0 && dkimParts.length !== 3) {
    throw new ConfigError([
      'DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE: set all three to sign mail with DKIM, or none',
    ]);
  }
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'careerfeed.db')}`;
  const consoleUrl = (e.CONSOLE_URL ?? `http://localhost:${e.INGEST_PORT}/console`).replace(/\/+$/, '');
  const consoleOrigin = new URL(consoleUrl);
  const queueDashboardUrl =
    e.QUEUE_DASHBOARD_URL ?? `${consoleOrigin.protocol}//${consoleOrigin.hostname}:${e.WORKER_PORT}/admin/queues`;
  return Object.freeze({
    dataDir,
    databaseUrl,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    commentsNotifyEmail: e.COMMENTS_NOTIFY_EMAIL,
    publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    host: e.HOST,
    ports: Object.freeze({ ingest: e.INGEST_PORT, feed: e.FEED_PORT, worker: e.WORKER_PORT }),
    allowPrivateNetworks: e.ALLOW_PRIVATE_NETWORKS,
    websubHubUrl: e.WEBSUB_HUB_URL,
    feedCacheRefreshUrl: e.FEED_CACHE_REFRESH_URL,
    relatedPostsCount: e.RELATED_POSTS_COUNT,
    relatedRebuildIntervalMs: e.RELATED_REBUILD_INTERVAL_HOURS * 3_600_000,
    logLevel: e.LOG_LEVEL,
    mailRatePerSecond: e.MAIL_RATE_PER_SECOND,
    dkim:
      e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY_FILE
        ? Object.freeze({
            domainName: e.DKIM_DOMAIN,
            keySelector: e.DKIM_SELECTOR,
            privateKeyFile: path.resolve(cwd, e.DKIM_PRIVATE_KEY_FILE),
          })
        : undefined,
    instantDigestDelaySeconds: e.INSTANT_DIGEST_DELAY_SECONDS,
    outboxRedispatchAfterMs: e.OUTBOX_REDISPATCH_AFTER_SECONDS * 1000,
    trustProxy: e.TRUST_PROXY,
    share: Object.freeze({
      networks: Object.freeze(e.SHARE_NETWORKS),
      maxAgeMs: e.SHARE_MAX_AGE_HOURS * 3_600_000,
      mastodon: Object.freeze({ maxChars: e.MASTODON_MAX_CHARS, urlLength: e.MASTODON_URL_LENGTH }),
      blueskyResolverUrl: e.BLUESKY_RESOLVER_URL.replace(/\/+$/, ''),
    }),
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    webhookSecretsKey: e.WEBHOOK_SECRETS_KEY,
    consoleUrl,
    queueDashboardUrl,
  });
}

/**
 * Reads `.env` from `cwd` (variables already in the environment win, as with dotenv), then parses.
 * Only `main.ts` files and the CLI call this.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const dotenvPath = path.join(cwd, '.env');
  const fromFile = fs.existsSync(dotenvPath) ? parseDotenv(fs.readFileSync(dotenvPath)) : {};
  return parseConfig({ ...fromFile, ...env }, cwd);
}
