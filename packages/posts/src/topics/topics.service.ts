import { AppError, cleanLine, isValidSlug, slugify } from '@careerfeed/core';
import type { Db, RedirectedTopicKind } from '@careerfeed/db';
import * as repo from './topics.repository';

export type TopicKind = RedirectedTopicKind;

export interface TopicsOverview {
  tags: repo.TagCountRow[];
  categories: { slug: string; posts: number }[];
  redirects: { kind: TopicKind; from_slug: string; to_slug: string; created_at: string }[];
}

export async function listTopics(db: Db): Promise<TopicsOverview> {
  const k = db.kysely;
  const [tags, categories, redirects] = await Promise.all([
    repo.listTagsWithCounts(k),
    repo.listCategoriesWithCounts(k),
    repo.listRedirects(k),
  ]);
  return { tags, categories, redirects };
}

/** A tag's display name; its slug (and so its address) stays. */
export async function renameTag(db: Db, slug: string, name: string): Promise<void> {
  const clean = cleanLine(name);
  if (clean === '' || clean.length > 100) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'A tag name must have 1 to 100 visible characters',
      errors: [{ path: 'name', message: 'must have 1 to 100 visible characters' }],
    });
  }
  if (!(await repo.findTag(db.kysely, slug))) throw noSuchTopic('tag', slug);
  await repo.renameTag(db.kysely, slug, clean);
}

export interface MergeResult {
  kind: TopicKind;
  from: string;
  to: string;
  /** Posts that carried `from`. */
  posts: number;
  /** Subscribers who followed `from` and now follow `to`. */
  subscribers: number;
  /** Feed scopes whose content changed ("tag:a", "tag:b", …), for cache invalidation. */
  scopes: string[];
}

/**
 * Merges topic `from` into `to` in one transaction: posts re-tagged (or re-categorized, partner
 * sources too), subscribers following `from` follow `to`, and `from`'s addresses redirect to `to`'s.
 * `to` may be new (a tag gets `from`'s name): that is how a slug is renamed. Merging a topic into
 * itself, or one that does not exist, changes nothing and is a 4xx.
 */
export async function mergeTopic(
  deps: { db: Db; now?: () => Date },
  kind: TopicKind,
  fromInput: string,
  toInput: string,
): Promise<MergeResult> {
  const from = fromInput;
  const to = targetSlug(toInput);
  if (from === to) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: `A ${kind} cannot be merged into itself`,
      errors: [{ path: 'into', message: 'must name another topic' }],
    });
  }
  const nowUtc = (deps.now?.() ?? new Date()).toISOString();
  return deps.db.kysely.transaction().execute(async (tx) => {
    const postIds = await repo.findPostIdsOfTopic(tx, kind, from);
    if (kind === 'tag') {
      const source = await repo.findTag(tx, from);
      if (!source) throw noSuchTopic(kind, from);
      await repo.insertTagIfAbsent(tx, to, source.name);
      await repo.retagPosts(tx, from, to);
      await repo.deleteTag(tx, from);
    } else {
      if (postIds.length === 0) throw noSuchTopic(kind, from);
      await repo.recategorize(tx, from, to, nowUtc);
    }
    const fromKey = `${kind}:${from}`;
    const toKey = `${kind}:${to}`;
    let subscribers = 0;
    for (const row of await repo.findSubscribersFollowing(tx, fromKey)) {
      const topics = replaceTopic(row.topics, fromKey, toKey);
      if (topics === null) continue;
      await repo.setSubscriberTopics(tx, row.id, topics, nowUtc);
      subscribers++;
    }
    await repo.recordRedirect(tx, kind, from, to, nowUtc);
    // The site and author feeds list each post's tags and category too.
    return { kind, from, to, posts: postIds.length, subscribers, scopes: [fromKey, toKey, '*'] };
  });
}

/** A topics JSON array with `from` replaced by `to` (once), or null when `from` is not in it. */
export function replaceTopic(json: string, from: string, to: string): string | null {
  let topics: unknown;
  try {
    topics = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(topics) || !topics.includes(from)) return null;
  const next: string[] = [];
  for (const topic of topics) {
    const value = topic === from ? to : topic;
    if (typeof value === 'string' && !next.includes(value)) next.push(value);
  }
  return JSON.stringify(next);
}

/**
 * Where a merged topic's old address now leads, if anywhere. A slug that is a topic again (a post
 * was tagged with it after the merge) is served as itself: the redirect waits unused.
 */
export async function findTopicRedirect(db: Db, kind: TopicKind, slug: string): Promise<string | undefined> {
  const to = await repo.findRedirect(db.kysely, kind, slug);
  if (to === undefined) return undefined;
  const live =
    kind === 'tag' ? (await repo.findTag(db.kysely, slug)) !== undefined : await repo.categoryExists(db.kysely, slug);
  return live ? undefined : to;
}

function targetSlug(input: string): string {
  const slug = isValidSlug(input) ? input : slugify(input, 64);
  if (slug === '') {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The topic to merge into must contain at least one letter or digit',
      errors: [{ path: 'into', message: 'must contain at least one letter or digit' }],
    });
  }
  return slug;
}

function noSuchTopic(kind: TopicKind, slug: string): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail: `No ${kind} "${slug.slice(0, 80)}" exists` });
}

/** What merging `from` would move: its posts and the subscribers following it (for the confirmation page). */
export async function previewTopicMerge(
  db: Db,
  kind: TopicKind,
  from: string,
): Promise<{ posts: number; subscribers: number }> {
  const k = db.kysely;
  const key = `${kind}:${from}`;
  const [posts, followers] = await Promise.all([
    repo.findPostIdsOfTopic(k, kind, from),
    repo.findSubscribersFollowing(k, key),
  ]);
  return {
    posts: posts.length,
    subscribers: followers.filter((row) => replaceTopic(row.topics, key, key) !== null).length,
  };
}
