import { redactQuery, redactSecrets, redactUrl } from './redact';

describe('redactUrl', () => {
  it('when a URL carries a password, then only the password is masked', () => {
    expect(redactUrl('postgres://app:s3cr%40t@db:5432/careerfeed')).toBe('postgres://app:***@db:5432/careerfeed');
    expect(redactUrl('redis://:hunter2@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(redactUrl('connect to smtps://mailer:pw@mail.example failed')).toBe(
      'connect to smtps://mailer:***@mail.example failed',
    );
  });

  it('when a URL has no password, then it is unchanged', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres',
    );
    expect(redactUrl('sqlite:/data/careerfeed.db')).toBe('sqlite:/data/careerfeed.db');
  });
});

describe('redactQuery', () => {
  it('when a path has token parameters, then their values are replaced and the rest is kept', () => {
    expect(redactQuery('/unsubscribe?token=abc.def-ghi&x=1')).toBe('/unsubscribe?token=[redacted]&x=1');
    expect(redactQuery('/preferences?a=b&access_token=xyz')).toBe('/preferences?a=b&access_token=[redacted]');
    expect(redactQuery('/tags/career/feed.xml?page=2')).toBe('/tags/career/feed.xml?page=2');
  });
});

describe('redactSecrets', () => {
  it('when text holds webhook secrets or API keys, then they are masked', () => {
    const key = `cf_${'A'.repeat(43)}`;
    expect(redactSecrets(`secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw= and ${key}`)).toBe(
      'secret whsec_[redacted] and cf_[redacted]',
    );
  });
});
