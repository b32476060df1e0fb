import { feedUrl, feedUrlsOfScopes, parseScopeKey, scopeKey } from './feed-urls';
import { feedScopesOfPost } from './feed-invalidation';

const BASE = 'https://careers.example.edu';

describe('feed URLs', () => {
  test('the self URL of a page carries limit and page only when they are not the defaults', () => {
    expect(feedUrl(BASE, { kind: 'site' }, 'rss')).toBe(`${BASE}/feed.xml`);
    expect(feedUrl(BASE, { kind: 'site' }, 'rss', { limit: 20, page: 1 })).toBe(`${BASE}/feed.xml`);
    expect(feedUrl(BASE, { kind: 'tag', slug: 'salary' }, 'atom', { limit: 5, page: 3 })).toBe(
      `${BASE}/tags/salary/feed.atom?limit=5&page=3`,
    );
  });

  test('scope keys round-trip, and "*" or unknown keys name no feed', () => {
    for (const key of ['site', 'tag:a:b', 'category:offers', 'topic:offers', 'author:ana-perez']) {
      expect(scopeKey(parseScopeKey(key)!)).toBe(key);
    }
    for (const key of ['*', 'tag:', 'series:x', '']) expect(parseScopeKey(key)).toBeUndefined();
  });

  test('the feeds a post is in map to every format of the site, tag, category, topic and author feeds', () => {
    const scopes = feedScopesOfPost({ tags: ['salary', 'c++ & más'], category: 'offers', author: 'ana' });
    expect(feedUrlsOfScopes(BASE, [...scopes, 'site', '*'])).toEqual([
      `${BASE}/feed.xml`,
      `${BASE}/feed.atom`,
      `${BASE}/feed.json`,
      `${BASE}/tags/salary/feed.xml`,
      `${BASE}/tags/salary/feed.atom`,
      `${BASE}/tags/salary/feed.json`,
      `${BASE}/tags/c%2B%2B%20%26%20m%C3%A1s/feed.xml`,
      `${BASE}/tags/c%2B%2B%20%26%20m%C3%A1s/feed.atom`,
      `${BASE}/tags/c%2B%2B%20%26%20m%C3%A1s/feed.json`,
      `${BASE}/categories/offers/feed.xml`,
      `${BASE}/categories/offers/feed.atom`,
      `${BASE}/categories/offers/feed.json`,
      // Topics: each tag and the category once (a slug both a tag and a category is one topic).
      ...['salary', 'c%2B%2B%20%26%20m%C3%A1s', 'offers'].flatMap((t) =>
        ['feed.xml', 'feed.atom', 'feed.json'].map((f) => `${BASE}/topics/${t}/${f}`),
      ),
      `${BASE}/authors/ana/feed.xml`,
      `${BASE}/authors/ana/feed.atom`,
      `${BASE}/authors/ana/feed.json`,
    ]);
  });
});
