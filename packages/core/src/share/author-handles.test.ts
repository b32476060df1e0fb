import { authorHandlesFromLinks } from './author-handles';
import { buildSharePayloadsFor } from './build-share-payload';

describe('authorHandlesFromLinks', () => {
  test('when links are profile URLs, then each network gets the handle the URL names', () => {
    expect(
      authorHandlesFromLinks({
        x: 'https://x.com/jdoe_',
        mastodon: 'https://Mastodon.Example/@maya',
        bluesky: 'https://bsky.app/profile/maya.bsky.social',
        threads: 'https://www.threads.net/@maya.ok',
        linkedin: 'https://www.linkedin.com/in/maya',
      }),
    ).toEqual({ x: 'jdoe_', mastodon: 'maya@mastodon.example', bluesky: 'maya.bsky.social', threads: 'maya.ok' });
  });

  test('when links are handles, then they are read with or without "@"', () => {
    expect(
      authorHandlesFromLinks({
        twitter: '@jdoe',
        mastodon: '@maya@mastodon.example',
        bsky: '@maya.example.edu',
        threads: 'maya',
      }),
    ).toEqual({ x: 'jdoe', mastodon: 'maya@mastodon.example', bluesky: 'maya.example.edu', threads: 'maya' });
  });

  test.each([
    ['x', 'https://evil.example/jdoe'],
    ['x', '@name with spaces'],
    ['x', '@waytoolongahandlename'],
    ['mastodon', 'https://mastodon.example/users/maya'],
    ['mastodon', '@maya'],
    ['mastodon', 'maya@localhost'],
    ['bluesky', 'did:plc:abc123'],
    ['bluesky', 'https://bsky.app/search?q=maya'],
    ['threads', 'https://threads.example/@maya'],
    ['x', '@jdoe\u202e'],
  ])('when the %s link is %j, then no handle is derived', (network, value) => {
    expect(authorHandlesFromLinks({ [network]: value })).toEqual({});
  });

  test('when a handle is derived, then the payload of that network says "via @handle"', () => {
    const p = buildSharePayloadsFor(['mastodon', 'x'], {
      title: 'T',
      excerpt: 'E',
      url: 'https://careers.example/posts/t',
      tags: [],
      authorHandles: authorHandlesFromLinks({ mastodon: 'https://mastodon.example/@maya' }),
    });

    expect(Object.keys(p)).toEqual(['mastodon', 'x']);
    expect(p.mastodon!.status).toContain('via @maya@mastodon.example');
    expect(p.x!.text).not.toContain('via');
  });
});
