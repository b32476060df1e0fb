import path from 'node:path';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  test('when nothing is set, then the contract defaults apply and the database is SQLite under DATA_DIR', () => {
    const config = parseConfig({}, '/srv/app');
    expect(config).toMatchObject({
      dataDir: path.resolve('/srv/app', 'data'),
      databaseUrl: `sqlite:${path.resolve('/srv/app', 'data', 'careerfeed.db')}`,
      redisUrl: 'redis://127.0.0.1:6379',
      smtpUrl: undefined,
      mailFrom: 'Career Center <no-reply@localhost>',
      publicBaseUrl: 'http://localhost:3002',
      host: '127.0.0.1',
      ports: { ingest: 3001, feed: 3002, worker: 3003 },
      allowPrivateNetworks: false,
      websubHubUrl: undefined,
    });
  });

  test('when values are given, then they are parsed into their types and the base URL loses its trailing slash', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://app@db:5432/careerfeed',
      PUBLIC_BASE_URL: 'https://careers.example.edu/blog/',
      INGEST_PORT: '8001',
      ALLOW_PRIVATE_NETWORKS: 'true',
      WEBSUB_HUB_URL: 'https://hub.example/',
    });
    expect(config.databaseUrl).toBe('postgres://app@db:5432/careerfeed');
    expect(config.publicBaseUrl).toBe('https://careers.example.edu/blog');
    expect(config.ports.ingest).toBe(8001);
    expect(config.allowPrivateNetworks).toBe(true);
    expect(config.websubHubUrl).toBe('https://hub.example/');
  });

  test('when several variables are bad, then one error names every one of them', () => {
    let error: unknown;
    try {
      parseConfig({
        INGEST_PORT: '70000',
        FEED_PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        ALLOW_PRIVATE_NETWORKS: 'maybe',
        SMTP_URL: 'http://mail',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(['ALLOW_PRIVATE_NETWORKS', 'DATABASE_URL', 'FEED_PORT', 'INGEST_PORT', 'SMTP_URL']);
  });

  test('when a variable is set but empty, then it counts as unset', () => {
    expect(parseConfig({ SMTP_URL: '', INGEST_PORT: '' }).ports.ingest).toBe(3001);
  });

  test('when the config is parsed, then it is frozen', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ports)).toBe(true);
  });
});

describe('mail settings', () => {
  it('defaults to 20 mails per second, a 120 s instant window and no DKIM', () => {
    const config = parseConfig({}, '/srv');
    expect(config.mailRatePerSecond).toBe(20);
    expect(config.instantDigestDelaySeconds).toBe(120);
    expect(config.dkim).toBeUndefined();
    expect(config.trustProxy).toBe(false);
  });

  it('takes DKIM only as a whole', () => {
    expect(() => parseConfig({ DKIM_DOMAIN: 'example.edu' }, '/srv')).toThrow(/set all three/);
    const config = parseConfig(
      { DKIM_DOMAIN: 'example.edu', DKIM_SELECTOR: 'cf', DKIM_PRIVATE_KEY_FILE: 'keys/dkim.pem' },
      '/srv',
    );
    expect(config.dkim).toEqual({ domainName: 'example.edu', keySelector: 'cf', privateKeyFile: '/srv/keys/dkim.pem' });
  });
});

describe('share settings', () => {
  test('BLUESKY_RESOLVER_URL must be an http(s) URL; a trailing slash is dropped', () => {
    expect(parseConfig({ BLUESKY_RESOLVER_URL: 'https://pds.example.edu/' }).share.blueskyResolverUrl).toBe(
      'https://pds.example.edu',
    );
    expect(() => parseConfig({ BLUESKY_RESOLVER_URL: 'ftp://pds.example.edu' })).toThrow(/BLUESKY_RESOLVER_URL/);
  });

  test('when nothing is set, then all six networks are enabled, old posts are those over 24 h, Mastodon has 500/23 and Bluesky handles resolve on bsky.social', () => {
    const config = parseConfig({});

    expect(config.share).toEqual({
      networks: ['x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'threads'],
      maxAgeMs: 24 * 3_600_000,
      mastodon: { maxChars: 500, urlLength: 23 },
      blueskyResolverUrl: 'https://bsky.social',
    });
    expect(config.webhookTimeoutMs).toBe(15_000);
    expect(config.webhookConcurrency).toBe(50);
  });

  test('when networks are listed with spaces, capitals and repeats, then they are read as a set in the given order', () => {
    const config = parseConfig({ SHARE_NETWORKS: ' Mastodon, bluesky ,mastodon', MASTODON_MAX_CHARS: '11000' });

    expect(config.share.networks).toEqual(['mastodon', 'bluesky']);
    expect(config.share.mastodon.maxChars).toBe(11000);
  });

  test('when a network is unknown or the limits are out of range, then the error names each variable', () => {
    const problemsOf = (env: Record<string, string>): string[] => {
      try {
        parseConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((p) => p.split(':')[0]!);
      }
    };

    expect(
      problemsOf({ SHARE_NETWORKS: 'x,myspace', MASTODON_MAX_CHARS: '10', SHARE_MAX_AGE_HOURS: 'soon' }).sort(),
    ).toEqual(['MASTODON_MAX_CHARS', 'SHARE_MAX_AGE_HOURS', 'SHARE_NETWORKS']);
    expect(problemsOf({ SHARE_NETWORKS: ' , ' })).toEqual(['SHARE_NETWORKS']);
    expect(problemsOf({ WEBHOOK_TIMEOUT_SECONDS: '0' })).toEqual(['WEBHOOK_TIMEOUT_SECONDS']);
    expect(problemsOf({ WEBHOOK_CONCURRENCY: '0' })).toEqual(['WEBHOOK_CONCURRENCY']);
    expect(problemsOf({ WEBHOOK_CONCURRENCY: '201' })).toEqual(['WEBHOOK_CONCURRENCY']);
    expect(problemsOf({ RELATED_REBUILD_INTERVAL_HOURS: '-1' })).toEqual(['RELATED_REBUILD_INTERVAL_HOURS']);
  });

  test('when the related recompute interval is left out, then it is a day; 0 and fractions are accepted', () => {
    expect(parseConfig({}).relatedRebuildIntervalMs).toBe(86_400_000);
    expect(parseConfig({ RELATED_REBUILD_INTERVAL_HOURS: '0' }).relatedRebuildIntervalMs).toBe(0);
    expect(parseConfig({ RELATED_REBUILD_INTERVAL_HOURS: '0.5' }).relatedRebuildIntervalMs).toBe(1_800_000);
  });
});
