import { createHash } from 'node:crypto';
import { describeAuthorLinks } from './author-links';
import { displayDate, jsonForScript } from './html';
import { PAGE_CSS, PAGE_STYLE_HASH } from './layout';
import type { PostPageView, SiteView } from './page-model';
import { renderPostPage } from './post.page';

const site: SiteView = {
  title: 'Blog',
  description: '',
  language: 'en',
  homeUrl: 'https://blog.example/',
  feeds: [{ format: 'rss', title: 'Blog (RSS)', url: 'https://blog.example/feed.xml' }],
};

function postView(overrides: Partial<PostPageView['post']> = {}, related: PostPageView['related'] = []): PostPageView {
  return {
    site,
    related,
    post: {
      title: 'A post',
      html: '<p>Body</p>',
      excerpt: 'Body',
      url: 'https://blog.example/posts/a-post',
      canonicalUrl: 'https://blog.example/posts/a-post',
      image: null,
      published: '2025-01-27T23:30:00-03:00',
      updated: '2025-01-28T02:30:00.000Z',
      author: { name: 'Maya', url: 'https://blog.example/authors/maya/', bio: '', links: {} },
      tags: [],
      category: null,
      ...overrides,
    },
  };
}

describe('describeAuthorLinks', () => {
  test.each([
    [
      'linkedin',
      'https://www.linkedin.com/in/maya',
      { label: 'LinkedIn', text: 'www.linkedin.com/in/maya', href: 'https://www.linkedin.com/in/maya' },
    ],
    ['website', 'http://maya.example/', { label: 'Website', text: 'maya.example', href: 'http://maya.example/' }],
    [
      'mastodon',
      '@maya@mastodon.example',
      { label: 'Mastodon', text: '@maya@mastodon.example', href: 'https://mastodon.example/@maya' },
    ],
    [
      'mastodon',
      'maya@mastodon.example',
      { label: 'Mastodon', text: '@maya@mastodon.example', href: 'https://mastodon.example/@maya' },
    ],
    [
      'fediverse',
      '@maya@social.example.edu',
      { label: 'fediverse', text: '@maya@social.example.edu', href: 'https://social.example.edu/@maya' },
    ],
    ['twitter', '@maya_o', { label: 'X (Twitter)', text: '@maya_o', href: 'https://x.com/maya_o' }],
    ['x', 'maya_o', { label: 'X', text: '@maya_o', href: 'https://x.com/maya_o' }],
    [
      'bluesky',
      '@maya.bsky.social',
      { label: 'Bluesky', text: '@maya.bsky.social', href: 'https://bsky.app/profile/maya.bsky.social' },
    ],
    ['email', 'maya@example.edu', { label: 'Email', text: 'maya@example.edu', href: null }],
    ['website', 'javascript:alert(1)', { label: 'Website', text: 'javascript:alert(1)', href: null }],
    ['website', ' JaVaScRiPt:alert(1)', { label: 'Website', text: 'JaVaScRiPt:alert(1)', href: null }],
    [
      'website',
      'data:text/html,<script>alert(1)</script>',
      { label: 'Website', text: 'data:text/html,<script>alert(1)</script>', href: null },
    ],
    ['mastodon', '@maya@evil.example/path?x', { label: 'Mastodon', text: '@maya@evil.example/path?x', href: null }],
    [
      'twitter',
      '@this_handle_is_far_too_long',
      { label: 'X (Twitter)', text: '@this_handle_is_far_too_long', href: null },
    ],
    ['phone', '+1 555 0100', { label: 'phone', text: '+1 555 0100', href: null }],
  ])('when %s is %j, then it shows %j', (network, value, expected) => {
    expect(describeAuthorLinks({ [network]: value })).toEqual([expected]);
  });

  test('when a URL holds quotes or angle brackets, then the link is percent-encoded', () => {
    const [link] = describeAuthorLinks({ linkedin: 'https://www.linkedin.com/in/x"><script>' });
    expect(link!.href).toBe('https://www.linkedin.com/in/x%22%3E%3Cscript%3E');
  });
});

describe('jsonForScript', () => {
  test('when a value holds </script> or <!--, then the output has no "<" and parses back to the same value', () => {
    const value = { headline: '</script><script>alert(1)</script><!-- & \u2028' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('displayDate', () => {
  test('when a post was written late in the evening west of UTC, then it shows the date the author wrote', () => {
    expect(displayDate('2025-01-27T23:30:00-03:00', 'en')).toBe('January 27, 2025');
  });

  test('when the site language is not one Intl knows, then English is used rather than failing', () => {
    expect(displayDate('2025-01-27T23:30:00Z', 'en-US-x')).toBe('January 27, 2025');
    expect(displayDate('2025-01-27T23:30:00Z', 'fr')).toBe('27 janvier 2025');
  });
});

describe('renderPostPage', () => {
  test('when the style element is rendered, then its text is exactly the hashed stylesheet', () => {
    const html = renderPostPage(postView());
    expect(html).toContain(`<style>${PAGE_CSS}</style>`);
    expect(PAGE_STYLE_HASH).toBe(`'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`);
  });

  test('when the image, canonical or a related URL is not http(s), then none of them becomes a link or a meta', () => {
    const html = renderPostPage(
      postView({ image: 'javascript:alert(1)', canonicalUrl: 'javascript:alert(2)' }, [
        { title: 'Elsewhere', url: 'javascript:alert(3)' },
      ]),
    );
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toContain('og:image');
    // The canonical falls back to our own address.
    expect(html).toContain('<link rel="canonical" href="https://blog.example/posts/a-post">');
    expect(html).toContain('<li>Elsewhere</li>');
  });

  test('when the excerpt is empty, then no description meta is emitted rather than an empty one', () => {
    const html = renderPostPage(postView({ excerpt: '' }));
    expect(html).not.toContain('name="description"');
    expect(html).not.toContain('og:description');
  });
});
