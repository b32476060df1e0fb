import type { DigestPost } from './digest-model';

export interface DigestWindow {
  /** ISO 8601, inclusive. */
  start: string;
  /** ISO 8601, exclusive. */
  end: string;
}

function instant(iso: string, name: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`digest window ${name} is not an ISO 8601 instant: ${iso}`);
  return ms;
}

/**
 * A topic matcher for stored topics: `topic:<slug>` (the tag or the category of that slug),
 * `tag:<slug>`, `category:<slug>`. A topic of any other shape
 * matches nothing: a subscriber who chose only topics we no longer understand gets nothing rather
 * than everything.
 */
function topicMatcher(topics: readonly string[]): (post: DigestPost) => boolean {
  if (topics.length === 0) return () => true;
  const tags = new Set<string>();
  const categories = new Set<string>();
  for (const topic of topics) {
    if (topic.startsWith('topic:')) {
      tags.add(topic.slice('topic:'.length));
      categories.add(topic.slice('topic:'.length));
    } else if (topic.startsWith('tag:')) tags.add(topic.slice('tag:'.length));
    else if (topic.startsWith('category:')) categories.add(topic.slice('category:'.length));
  }
  return (post) => (post.category !== null && categories.has(post.category)) || post.tags.some((tag) => tags.has(tag));
}

/**
 * The posts a digest shows: published in [start, end) and matching one of the topics (none means
 * everything), newest first. Instants are compared as instants, not as strings, because
 * `…:00Z` and `…:00.000Z` sort differently as text. Ties keep a stable order (id, descending).
 */
export function selectDigestPosts(
  posts: readonly DigestPost[],
  topics: readonly string[],
  window: DigestWindow,
): DigestPost[] {
  const start = instant(window.start, 'start');
  const end = instant(window.end, 'end');
  const matches = topicMatcher(topics);
  return posts
    .map((post) => ({ post, at: Date.parse(post.publishedAt) }))
    .filter(({ post, at }) => at >= start && at < end && matches(post))
    .sort((a, b) => b.at - a.at || (a.post.id < b.post.id ? 1 : a.post.id > b.post.id ? -1 : 0))
    .map(({ post }) => post);
}
