import { type DigestPost, type DigestRenderer, type DigestSite, createDigestRenderer } from '@careerfeed/core';
import { type Db } from '@careerfeed/db';
import { findVisibleRelatedLinks, readSite, postUrl, siteDirection } from '@careerfeed/posts';
import { findTagNamesOfPosts, findTagsOfPosts, findWindowPosts } from './digests.repository';

/**
 * What every digest of a run shares, built once per process rather than once per subscriber: the
 * renderer (its MJML skeleton is compiled once and it keeps each post's rendered block), and the
 * post list of each window — subscribers of one time zone and frequency share a window, so a
 * run of 10,000 digests reads the posts a handful of times.
 */
export interface DigestContent {
  renderer(): Promise<DigestRenderer>;
  /** Visible posts published in [start, end), with tags and related links, newest first. */
  postsIn(window: { start: string; end: string }, now: Date): Promise<DigestPost[]>;
}

export function createDigestContent(
  deps: { db: Db; publicBaseUrl: string },
  options: { ttlMs?: number; maxWindows?: number } = {},
): DigestContent {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxWindows = options.maxWindows ?? 256;
  let current: { at: number; siteJson: string; renderer: Promise<DigestRenderer> } | undefined;
  const windows = new Map<string, { at: number; posts: Promise<DigestPost[]> }>();

  async function loadPosts(window: { start: string; end: string }, now: Date): Promise<DigestPost[]> {
    const db = deps.db.kysely;
    const nowUtc = now.toISOString();
    const rows = await findWindowPosts(db, { ...window, nowUtc });
    const ids = rows.map((row) => row.id);
    const [tags, tagNames, related] = await Promise.all([
      findTagsOfPosts(db, ids),
      findTagNamesOfPosts(db, ids),
      findVisibleRelatedLinks(db, ids, nowUtc),
    ]);
    return rows
      .map((row) => ({
        id: row.id,
        title: row.title,
        url: postUrl(deps.publicBaseUrl, row.slug),
        authorName: row.author_name,
        excerpt: row.excerpt,
        publishedAt: row.published_at_utc,
        tags: tags.get(row.id) ?? [],
        category: row.category,
        topicNames: [...(row.category ? [row.category] : []), ...(tagNames.get(row.id) ?? [])],
        image: row.image,
        related: (related.get(row.id) ?? []).map((r) => ({ title: r.title, url: postUrl(deps.publicBaseUrl, r.slug) })),
      }))
      .reverse();
  }

  return {
    async renderer() {
      const at = Date.now();
      if (current && at - current.at < ttlMs) return current.renderer;
      // The site's title and description rarely change; re-read them once a minute and keep the
      // compiled renderer while they stay the same.
      const site = await readSite(deps.db.kysely);
      const digestSite: DigestSite = {
        title: site.title,
        url: site.url ?? `${deps.publicBaseUrl}/`,
        description: site.description,
        language: site.language,
        dir: siteDirection(site),
        brandColor: site.brandColor,
        accentColor: site.accentColor,
        postalAddress: site.postalAddress,
        ...(site.logoUrl ? { logoUrl: site.logoUrl } : {}),
      };
      const siteJson = JSON.stringify(digestSite);
      if (current && current.siteJson === siteJson) {
        current.at = at;
        return current.renderer;
      }
      const renderer = createDigestRenderer(digestSite);
      current = { at, siteJson, renderer };
      renderer.catch(() => (current = undefined));
      return renderer;
    },
    async postsIn(window, now) {
      const key = `${window.start}|${window.end}`;
      const at = Date.now();
      const cached = windows.get(key);
      if (cached && at - cached.at < ttlMs) return cached.posts;
      const posts = loadPosts(window, now);
      windows.set(key, { at, posts });
      posts.catch(() => windows.delete(key));
      if (windows.size > maxWindows) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      return posts;
    },
  };
}
