import type { DigestPost, DigestRecipient, DigestSite } from './digest-model';

/** Test data builders for the digest tests: each test states only what it cares about. */

export function buildDigestSite(overrides: Partial<DigestSite> = {}): DigestSite {
  return { title: 'Career Center', url: 'https://careers.example.edu/', language: 'en', ...overrides };
}

let sequence = 0;

export function buildDigestPost(overrides: Partial<DigestPost> = {}): DigestPost {
  sequence += 1;
  const id = overrides.id ?? `post-${String(sequence).padStart(4, '0')}`;
  return {
    id,
    title: `Post ${id}`,
    url: `https://careers.example.edu/posts/${id}/`,
    authorName: 'Maya Ortiz',
    excerpt: `What ${id} is about, in a sentence or two.`,
    publishedAt: '2025-03-05T12:00:00.000Z',
    tags: [],
    category: null,
    image: null,
    related: [],
    ...overrides,
  };
}

export function buildDigestRecipient(overrides: Partial<DigestRecipient> = {}): DigestRecipient {
  return {
    email: 'student@example.edu',
    frequency: 'weekly',
    topics: [],
    preferencesUrl: 'https://careers.example.edu/subscription/preferences?token=abc.def',
    unsubscribeUrl: 'https://careers.example.edu/subscription/unsubscribe?token=abc.def',
    ...overrides,
  };
}
