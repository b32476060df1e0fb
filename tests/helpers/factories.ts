import { randomBytes } from 'node:crypto';

/** A valid create-post body; override any field. Titles are unique so slugs never collide by accident. */
export function buildPost(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = randomBytes(4).toString('hex');
  return {
    title: `Interview tips ${n}`,
    html: `<p>Practice answering common questions out loud before the interview ${n}.</p>`,
    author: {
      slug: 'maya-okafor',
      name: 'Maya Okafor',
      bio: 'Senior Career Advisor',
      links: { mastodon: '@maya@mastodon.example' },
    },
    tags: ['interviews', 'preparation'],
    category: 'interviews',
    published_at: '2025-01-27T18:00:00-03:00',
    ...overrides,
  };
}
