import {
  DEFAULT_PREFERENCES,
  emailKeyOf,
  hasControlCharacters,
  isPlausibleEmail,
  nextScheduledDigest,
  parseTopicKey,
  resolveTopics,
} from './preferences';

describe('isPlausibleEmail', () => {
  it.each(['ana@uni.edu', 'first.last+jobs@mail.example.co.uk', "o'brien@x.example", 'A_B-c@sub-domain.example.org'])(
    'accepts %s',
    (address) => expect(isPlausibleEmail(address)).toBe(true),
  );
  it.each([
    '',
    'ana',
    'ana@',
    '@uni.edu',
    'ana@uni',
    'ana@@uni.edu',
    'ana@uni..edu',
    '.ana@uni.edu',
    'ana.@uni.edu',
    'a na@uni.edu',
    'ana@-uni.edu',
    'ana@uni.edu\r\nBcc: x@evil.example',
    'ana@üni.edu',
    'ánä@uni.edu',
    '"ana"@uni.edu',
    `${'a'.repeat(65)}@uni.edu`,
    `ana@${'a'.repeat(250)}.edu`,
  ])('refuses %p', (address) => expect(isPlausibleEmail(address)).toBe(false));
});

describe('emailKeyOf', () => {
  it('makes addresses that differ only in case one subscriber', () =>
    expect(emailKeyOf('Ana.Lopez@Uni.EDU')).toBe(emailKeyOf('ana.lopez@uni.edu')));
});

describe('hasControlCharacters', () => {
  it.each(['a\rb', 'a\nb', 'a\u0000', '\u007f', '\u0085', 'x\u2028'])('finds one in %p', (value) =>
    expect(hasControlCharacters(value)).toBe(true),
  );
  it.each(['plain', 'Crème brûlée', '北京', 'tab-free'])('finds none in %p', (value) =>
    expect(hasControlCharacters(value)).toBe(false),
  );
});

describe('parseTopicKey', () => {
  it('reads tag and category keys and nothing else', () => {
    expect(parseTopicKey('tag:resume')).toEqual({ kind: 'tag', slug: 'resume' });
    expect(parseTopicKey('category:jobs')).toEqual({ kind: 'category', slug: 'jobs' });
    expect(parseTopicKey('topic:career-fairs')).toEqual({ kind: 'topic', slug: 'career-fairs' });
    expect(parseTopicKey('author:maya')).toBeNull();
    expect(parseTopicKey('tag:')).toBeNull();
  });
});

describe('nextScheduledDigest', () => {
  const now = new Date('2026-11-25T12:00:00Z'); // a Wednesday
  it('is the chosen weekday and hour in the subscriber zone for an active weekly subscriber', () => {
    expect(nextScheduledDigest({ ...DEFAULT_PREFERENCES, timeZone: 'Asia/Kolkata' }, 'active', now)).toBe(
      '2026-11-30T02:30:00.000Z',
    );
  });
  it('is null when paused, instant, or not active', () => {
    expect(nextScheduledDigest({ ...DEFAULT_PREFERENCES, paused: true }, 'active', now)).toBeNull();
    expect(nextScheduledDigest({ ...DEFAULT_PREFERENCES, frequency: 'instant' }, 'active', now)).toBeNull();
    expect(nextScheduledDigest(DEFAULT_PREFERENCES, 'pending', now)).toBeNull();
    expect(nextScheduledDigest(DEFAULT_PREFERENCES, 'unsubscribed', now)).toBeNull();
  });
});

describe('resolveTopics', () => {
  const catalogue = { tags: new Set(['resume', 'jobs']), categories: new Set(['jobs', 'events']) };
  it('keeps explicit keys, expands bare slugs to every kind that has them, sorts and de-duplicates', () => {
    expect(resolveTopics(['tag:resume', 'jobs', 'category:events', 'resume'], catalogue)).toEqual({
      keys: ['category:events', 'category:jobs', 'tag:jobs', 'tag:resume'],
      unknown: [],
    });
  });
  it('keeps "topic:<slug>" when a tag or a category has that slug, and reports it otherwise', () => {
    expect(resolveTopics(['topic:jobs', 'topic:resume', 'topic:events', 'topic:nope'], catalogue)).toEqual({
      keys: ['topic:events', 'topic:jobs', 'topic:resume'],
      unknown: [{ index: 3, value: 'topic:nope' }],
    });
  });
  it('reports what names no existing topic, with its index', () => {
    expect(resolveTopics(['tag:events', 'nope', 'author:maya'], catalogue).unknown).toEqual([
      { index: 0, value: 'tag:events' },
      { index: 1, value: 'nope' },
      { index: 2, value: 'author:maya' },
    ]);
  });
});
