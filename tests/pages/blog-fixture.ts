import { saveSite } from '@careerfeed/posts';
import { buildPost } from '../helpers/factories';
import type { IngestHarness } from '../helpers/ingest';

export const SITE = {
  title: 'Career Center Blog',
  description: 'Advice on jobs, internships and what comes after.',
  language: 'en',
};

export const MAYA = {
  slug: 'maya-okafor',
  name: 'Maya Okafor',
  bio: 'Senior Career Advisor.\n\nShe has reviewed more than 3,000 résumés.',
  links: {
    linkedin: 'https://www.linkedin.com/in/maya-okafor',
    website: 'https://maya.example/',
    mastodon: '@maya@mastodon.example',
    twitter: '@mayaokafor',
    email: 'maya@example.edu',
  },
};

export const SAM = { slug: 'sam-lee', name: 'Sam Lee', bio: 'Employer relations.', links: {} };

export const HOSTILE_TITLE = `<script>alert(1)</script>"'& <b>title</b>`;
/** What careerfeed stores and shows of it: titles are plain text (markup and script bodies dropped). */
export const HOSTILE_TITLE_AS_STORED = `"'& title`;
/** The hostile author's name and tags as stored: plain text like titles (bios stay HTML-escaped text). */
export const HOSTILE_AUTHOR_NAME_AS_STORED = `Mallory "M" O'Brien`;
export const HOSTILE_TAGS_AS_STORED = [`say "hi"`, `it's bold`, 'Longtagname'.repeat(5)];

/** Everything an attacker with an API key (or a compromised partner feed) could put in a post. */
export const HOSTILE = {
  slug: 'hostile-post',
  title: HOSTILE_TITLE,
  html: [
    '<p>Before &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt; after.</p>',
    '<script>window.__pwned=1</script>',
    '<img src=x onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">click</a>',
    '<p style="position:fixed;top:0">styled</p>',
    '<svg><script>window.__pwned=1</script></svg>',
    // Wide content: none of it may widen the page on a phone.
    `<p>${'Unbreakable'.repeat(30)} https://example.com/${'very-long-path-segment-'.repeat(10)}</p>`,
    `<pre><code>${'const wide = "a line of code far wider than any phone screen";'.repeat(3)}</code></pre>`,
    `<table><tr>${Array.from({ length: 12 }, (_, i) => `<td>column number ${i}</td>`).join('')}</tr></table>`,
    '<img src="https://images.test.example/wide.png" alt="A wide picture" width="2000" height="500">',
  ].join(''),
  author: {
    slug: 'mallory',
    name: `Mallory "<b>M</b>" O'Brien`,
    bio: 'Hi <img src=x onerror="window.__pwned=1"> there </script><script>window.__pwned=1</script>\n\nSecond paragraph & more.',
    links: {
      website: 'javascript:window.__pwned=1',
      linkedin: 'https://www.linkedin.com/in/x"><script>window.__pwned=1</script>',
      mastodon: '@"onmouseover=window.__pwned=1@evil.example',
    },
  },
  tags: [`say "hi"`, `it's <b>bold</b>`, 'Longtagname'.repeat(5)],
  category: '"><b>Hostile</b> & <i>co</i>',
  image: 'https://images.test.example/a.png?"><script>window.__pwned=1</script>',
  published_at: '2025-01-27T18:00:00-03:00',
};

export interface Blog {
  /** name → { id, slug, title } as the ingest API returned it. */
  posts: Record<string, { id: string; slug: string; title: string }>;
}

/**
 * A small blog through the real ingest API: two authors, posts in several tags and categories, a
 * syndicated post, a draft, a scheduled post, a hostile post, and eleven archive posts (more than
 * one page), plus related-post rows written straight into the database, as the worker would.
 */
export async function seedBlog(ingest: IngestHarness): Promise<Blog> {
  const auth = await ingest.bearer();
  const posts: Blog['posts'] = {};
  const create = async (name: string, overrides: Record<string, unknown>) => {
    const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    if (response.status !== 201) throw new Error(`creating ${name}: ${response.status} ${response.text}`);
    posts[name] = response.body;
  };
  await saveSite(ingest.db.kysely, SITE, new Date().toISOString());
  await create('resume', {
    slug: 'resume-basics',
    title: 'Résumé basics',
    html: '<p>Keep it to one page.</p><h2>Format</h2><ul><li>Clear headings</li><li>Consistent dates</li></ul>',
    author: MAYA,
    tags: ['Resume', 'Job search'],
    category: 'resumes',
    image: 'https://images.test.example/resume.png',
    published_at: '2025-03-01T09:00:00-05:00',
  });
  await create('interview', {
    slug: 'interview-prep',
    title: 'Interview preparation',
    author: 'maya-okafor',
    tags: ['Interviews'],
    category: 'interviews',
    published_at: '2025-03-02T09:00:00+05:30',
  });
  await create('networking', {
    slug: 'networking-101',
    title: 'Networking 101',
    author: SAM,
    tags: ['Networking'],
    category: 'networking',
    published_at: '2025-02-15T12:00:00Z',
  });
  await create('syndicated', {
    slug: 'from-the-alumni-blog',
    title: 'From the alumni blog',
    author: 'sam-lee',
    tags: ['Networking'],
    category: 'networking',
    canonical_url: 'https://alumni.example.edu/posts/staying-in-touch',
    published_at: '2025-02-10T12:00:00Z',
  });
  await create('hostile', HOSTILE);
  await create('draft', {
    slug: 'draft-post',
    author: 'maya-okafor',
    status: 'draft',
    tags: ['Resume'],
    category: 'resumes',
  });
  await create('scheduled', {
    slug: 'scheduled-post',
    author: 'maya-okafor',
    published_at: '2999-01-01T00:00:00Z',
    tags: ['Resume'],
    category: 'resumes',
  });
  for (let i = 1; i <= 11; i++) {
    await create(`archive${i}`, {
      slug: `archive-${i}`,
      title: `Archive post ${i}`,
      author: 'sam-lee',
      tags: ['Archive'],
      category: 'archive',
      published_at: `2024-01-${String(i).padStart(2, '0')}T00:00:00Z`,
    });
  }
  const related = (from: string, to: string, rank: number) => ({
    post_id: posts[from]!.id,
    related_id: posts[to]!.id,
    rank,
    score: 1 - rank / 10,
  });
  await ingest.db.kysely
    .insertInto('related_posts')
    .values([
      related('resume', 'interview', 0),
      // A draft may be related in the table; it must never be linked from a page.
      related('resume', 'draft', 1),
      related('resume', 'networking', 2),
      related('hostile', 'resume', 0),
    ])
    .execute();
  return { posts };
}
