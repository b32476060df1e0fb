import {
  type CompactSubscribeView,
  type TopicDirectory,
  type TopicOptionView,
  type TopicPageView,
  type TopicPickerView,
  type TopicsIndexPageView,
  OTHER_TOPICS_LABEL,
  buildTopicDirectory,
  embedSnippet,
  popularTopics,
  topicKey,
  topicSlugOfKey,
} from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import { feedsRepository, topicsRepository } from '@careerfeed/feeds';
import { type PagesDeps, buildSiteView, feedLinks, pageOfPosts, pageUrl, topicPageUrl } from '../pages/pages.service';

/** How many topics the picker shows open at the top: the ones most readers pick. */
export const POPULAR_TOPICS = 8;

function nowUtc(deps: { now?: (() => Date) | undefined }): string {
  return (deps.now?.() ?? new Date()).toISOString();
}

export async function loadTopicDirectory(deps: { db: Db; now?: (() => Date) | undefined }): Promise<TopicDirectory> {
  return buildTopicDirectory(await topicsRepository.findTopicFacts(deps.db.kysely, nowUtc(deps)));
}

const topicUrl = topicPageUrl;

function option(directory: TopicDirectory, slug: string, withCount: boolean): TopicOptionView {
  const topic = directory.bySlug.get(slug);
  return {
    key: topicKey('topic', slug),
    label: topic?.label ?? slug,
    ...(withCount && topic ? { posts: topic.posts } : {}),
  };
}

/** Stored keys as the picker shows them: "tag:x", "category:x" and "topic:x" all tick topic x. */
export function chosenTopicKeys(stored: readonly string[]): string[] {
  return [...new Set(stored.map(topicSlugOfKey).filter((s): s is string => s !== null))].map((s) =>
    topicKey('topic', s),
  );
}

/**
 * The picker: popular topics first, then the groups without them. A chosen topic that has no
 * visible post any more is still offered (under "More topics"), so saving the form keeps it.
 */
export function topicPicker(directory: TopicDirectory, chosen: readonly string[]): TopicPickerView {
  const popular = popularTopics(directory, POPULAR_TOPICS);
  const inPopular = new Set(popular.map((t) => t.slug));
  const listed = new Set(directory.groups.flatMap((g) => g.topics.map((t) => t.slug)));
  const orphans = chosen
    .map(topicSlugOfKey)
    .filter((slug): slug is string => slug !== null && !listed.has(slug) && directory.bySlug.has(slug));
  const groups = directory.groups.map((g) => ({
    label: g.label,
    topics: g.topics.filter((t) => !inPopular.has(t.slug)).map((t) => option(directory, t.slug, true)),
  }));
  if (orphans.length > 0) {
    const other = groups.find((g) => g.label === OTHER_TOPICS_LABEL);
    const extra = orphans.map((slug) => option(directory, slug, true));
    if (other) other.topics.push(...extra);
    else groups.push({ label: OTHER_TOPICS_LABEL, topics: extra });
  }
  return {
    popular: popular.map((t) => option(directory, t.slug, true)),
    groups: groups.filter((g) => g.topics.length > 0),
  };
}

/** The email box of a post or topic page, with that topic ticked. */
export function compactSubscribe(base: string, directory: TopicDirectory, slug: string | null): CompactSubscribeView {
  const known = slug !== null && directory.bySlug.has(slug);
  return {
    // "More choices" opens the full form with this topic already ticked.
    subscribeUrl: known ? `${base}/subscribe?topic=${encodeURIComponent(slug)}` : `${base}/subscribe`,
    topics: known ? [option(directory, slug, false)] : [],
  };
}

export async function buildTopicsIndexPage(deps: PagesDeps): Promise<TopicsIndexPageView> {
  const base = deps.publicBaseUrl;
  const [site, directory] = await Promise.all([buildSiteView(deps), loadTopicDirectory(deps)]);
  return {
    site,
    url: `${base}/topics/`,
    opmlUrl: `${base}/feeds.opml`,
    subscribeUrl: `${base}/subscribe`,
    groups: directory.groups.map((g) => ({
      label: g.label,
      topics: g.topics.map((t) => ({ label: t.label, url: topicUrl(base, t.slug), posts: t.posts })),
    })),
  };
}

/** A topic's page; null when no tag or category has this slug, or the page is past the end. */
export async function buildTopicPage(deps: PagesDeps, slug: string, page: number): Promise<TopicPageView | null> {
  const db = deps.db.kysely;
  const base = deps.publicBaseUrl;
  const scope = { kind: 'topic' as const, slug };
  if (!(await feedsRepository.scopeExists(db, scope))) return null;
  const url = topicUrl(base, slug);
  const [site, directory, listing] = await Promise.all([
    buildSiteView(deps),
    loadTopicDirectory(deps),
    pageOfPosts(deps, scope, page, url),
  ]);
  const topic = directory.bySlug.get(slug);
  if (!listing || !topic) return null;
  const encoded = encodeURIComponent(slug);
  return {
    site,
    name: topic.label,
    total: topic.posts,
    url: pageUrl(url, page),
    feeds: feedLinks(base, scope, `${site.title}: posts about ${topic.label}`),
    ...listing,
    // Only a topic that is both has narrower lists; otherwise the one list is this page.
    narrower:
      topic.isTag && topic.isCategory
        ? [
            { title: `Tagged ${topic.label}`, url: `${base}/tags/${encoded}/` },
            { title: `Filed under ${topic.label}`, url: `${base}/categories/${encoded}/` },
          ]
        : [],
    subscribe: compactSubscribe(base, directory, slug),
    embedSnippet: embedSnippet(base, { topic: slug }),
  };
}
