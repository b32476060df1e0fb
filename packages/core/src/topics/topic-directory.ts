/**
 * Topics as readers see them. Staff file a post under one category and any number of tags; readers
 * do not care which of the two a word is. So a topic is a slug: the tag and the category of that
 * slug, whichever exist, are one topic, and its posts are the union of theirs. Pure: the counts
 * come from the database (visible posts only), the grouping and naming happen here.
 */

/** What the database knows about the topics, as counted over visible posts. */
export interface TopicFacts {
  /** Every tag (slug and the name it was first written as). */
  tags: readonly { slug: string; name: string }[];
  /** Every category slug any post is filed under (posts are visible or not). */
  categories: readonly string[];
  /** Visible posts per topic slug: the union of its tag's and its category's posts, each post once. */
  postCounts: ReadonlyMap<string, number>;
  /** Visible posts per (tag, category) pair: where a tag's posts are filed. */
  tagCategoryCounts: readonly { tag: string; category: string; posts: number }[];
}

export interface Topic {
  slug: string;
  /** Display name: the tag's own name, or the slug made readable ("career-fairs" → "Career fairs"). */
  label: string;
  /** Visible posts. */
  posts: number;
  isTag: boolean;
  isCategory: boolean;
  /** The slug of the category this topic is shown under, or null ("More topics"). */
  group: string | null;
}

export interface TopicGroup {
  /** The category's slug; null for topics whose posts are filed under no category. */
  slug: string | null;
  label: string;
  topics: Topic[];
}

export interface TopicDirectory {
  /** Every topic that exists, by slug. */
  bySlug: ReadonlyMap<string, Topic>;
  /** Topics with at least one visible post, grouped; groups with the most posts first. */
  groups: TopicGroup[];
}

export const OTHER_TOPICS_LABEL = 'More topics';

/** "career-fairs" → "Career fairs": a slug written the way a person would. */
export function readableSlug(slug: string): string {
  const words = slug.replace(/-+/g, ' ').trim();
  return words.charAt(0).toLocaleUpperCase('en') + words.slice(1);
}

/**
 * A tag's name is what an editor typed ("Job search"); an importer that sent slugs as names
 * ("job-search") gets the readable form instead, and so does a category (stored as a slug only).
 */
export function topicLabel(slug: string, tagName: string | undefined): string {
  return tagName !== undefined && tagName !== slug ? tagName : readableSlug(slug);
}

function byPostsThenLabel(a: Topic, b: Topic): number {
  return b.posts - a.posts || a.label.localeCompare(b.label, 'en') || (a.slug < b.slug ? -1 : 1);
}

/**
 * Every topic, and the grouping readers browse: each category is a group, and a tag joins the
 * category holding most of its visible posts (ties: the bigger category, then the name). Why
 * categories: they are the editors' own coarse grouping, every post has at most one, and a tag
 * almost always lives mostly inside one of them; a topic that is itself a category heads its group.
 */
export function buildTopicDirectory(facts: TopicFacts): TopicDirectory {
  const tagNames = new Map(facts.tags.map((t) => [t.slug, t.name]));
  const categories = new Set(facts.categories.filter((c) => c !== ''));
  const slugs = new Set([...tagNames.keys(), ...categories]);
  const count = (slug: string) => facts.postCounts.get(slug) ?? 0;

  // For each tag, the category holding most of its posts.
  const homes = new Map<string, { category: string; posts: number }>();
  for (const row of facts.tagCategoryCounts) {
    if (row.tag === row.category || !categories.has(row.category) || row.posts <= 0) continue;
    const best = homes.get(row.tag);
    const better =
      !best ||
      row.posts > best.posts ||
      (row.posts === best.posts &&
        (count(row.category) > count(best.category) ||
          (count(row.category) === count(best.category) && row.category < best.category)));
    if (better) homes.set(row.tag, { category: row.category, posts: row.posts });
  }

  const bySlug = new Map<string, Topic>();
  for (const slug of slugs) {
    const isCategory = categories.has(slug);
    bySlug.set(slug, {
      slug,
      label: topicLabel(slug, tagNames.get(slug)),
      posts: count(slug),
      isTag: tagNames.has(slug),
      isCategory,
      group: isCategory ? slug : (homes.get(slug)?.category ?? null),
    });
  }

  const groups = new Map<string | null, Topic[]>();
  for (const topic of bySlug.values()) {
    if (topic.posts === 0) continue;
    const key = topic.group !== null && count(topic.group) > 0 ? topic.group : null;
    groups.set(key, [...(groups.get(key) ?? []), topic]);
  }
  const ordered: TopicGroup[] = [...groups.entries()].map(([slug, topics]) => ({
    slug,
    label: slug === null ? OTHER_TOPICS_LABEL : bySlug.get(slug)!.label,
    // The category itself first, then its tags by size.
    topics: topics.sort((a, b) => Number(b.slug === slug) - Number(a.slug === slug) || byPostsThenLabel(a, b)),
  }));
  ordered.sort((a, b) => {
    if (a.slug === null || b.slug === null) return Number(a.slug === null) - Number(b.slug === null);
    return byPostsThenLabel(bySlug.get(a.slug)!, bySlug.get(b.slug)!);
  });
  return { bySlug, groups: ordered };
}

/** The `limit` topics with the most visible posts (ties by name): what most readers pick. */
export function popularTopics(directory: TopicDirectory, limit: number): Topic[] {
  return directory.groups
    .flatMap((g) => g.topics)
    .sort(byPostsThenLabel)
    .slice(0, limit);
}
