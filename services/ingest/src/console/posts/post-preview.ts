import {
  NETWORKS,
  type Network,
  type PostPageView,
  type ShareInput,
  authorHandlesFromLinks,
  blueskyLength,
  buildSharePayloadsFor,
  createDigestRenderer,
  mastodonLength,
  renderPostPage,
  renderRss,
  slugify,
  threadsLength,
  xLength,
} from '@careerfeed/core';
import { feedUrl } from '@careerfeed/jobs';
import type { PostResource, Site } from '@careerfeed/posts';

/**
 * What readers get from a post, built with the renderers the feed service, the worker and the
 * share publisher use (renderPostPage, renderRss, the digest renderer, buildSharePayloadsFor): the
 * console only maps the stored post to their inputs, as those services map their rows.
 */

function siteViewOf(site: Site, publicBaseUrl: string): PostPageView['site'] {
  return {
    title: site.title,
    description: site.description,
    language: site.language,
    homeUrl: `${publicBaseUrl}/`,
    feeds: (['rss', 'atom', 'json'] as const).map((format) => ({
      format,
      title: `${site.title} (${format === 'rss' ? 'RSS' : format === 'atom' ? 'Atom' : 'JSON Feed'})`,
      url: feedUrl(publicBaseUrl, { kind: 'site' }, format),
    })),
  };
}

/** The post page as the feed service would serve it once the post is visible. */
export function previewPostPage(post: PostResource, site: Site, publicBaseUrl: string): string {
  const base = publicBaseUrl;
  return renderPostPage({
    site: siteViewOf(site, base),
    post: {
      title: post.title,
      html: post.html,
      excerpt: post.excerpt,
      url: post.url,
      canonicalUrl: post.canonical_url ?? post.url,
      image: post.image,
      published: post.published_at ?? post.updated_at,
      updated: post.updated_at,
      author: {
        name: post.author.name,
        url: `${base}/authors/${encodeURIComponent(post.author.slug)}/`,
        bio: post.author.bio,
        links: post.author.links,
      },
      tags: post.tags.map((t) => ({ title: t, url: `${base}/tags/${encodeURIComponent(slugify(t))}/` })),
      category: post.category
        ? { title: post.category, url: `${base}/categories/${encodeURIComponent(post.category)}/` }
        : null,
    },
    related: post.related.map((r) => ({ title: r.title, url: r.url })),
  });
}

/** The post's `<item>` in the site's RSS feed. */
export function previewRssItem(post: PostResource, site: Site, publicBaseUrl: string): string {
  const base = publicBaseUrl;
  const rss = renderRss({
    id: `${base}/`,
    title: site.title,
    description: site.description,
    language: site.language,
    extensionAboutUrl: `${base}/about/json-feed-extension`,
    items: [
      {
        id: `urn:uuid:${post.id}`,
        url: post.url,
        externalUrl: post.canonical_url && post.canonical_url !== post.url ? post.canonical_url : null,
        title: post.title,
        contentHtml: post.html,
        summary: post.excerpt,
        author: { name: post.author.name, url: `${base}/authors/${encodeURIComponent(post.author.slug)}` },
        tags: post.tags.map((t) => ({ slug: slugify(t), name: t })),
        category: post.category ? { slug: post.category, name: post.category } : null,
        published: post.published_at ?? post.updated_at,
        updated: post.updated_at,
        image: post.image,
        related: [],
      },
    ],
    links: { self: feedUrl(base, { kind: 'site' }, 'rss'), alternateHtml: `${base}/` },
  });
  const start = rss.indexOf('<item>');
  const end = rss.indexOf('</item>');
  return start >= 0 && end > start ? rss.slice(start, end + '</item>'.length) : rss;
}

/** A weekly digest holding just this post, as a subscriber to everything would get it. */
export async function previewDigest(
  post: PostResource,
  site: Site,
  publicBaseUrl: string,
): Promise<{ subject: string; html: string; text: string }> {
  const renderer = await createDigestRenderer({
    title: site.title,
    url: `${publicBaseUrl}/`,
    description: site.description,
    language: site.language,
  });
  return renderer.render(
    {
      email: 'student@example.edu',
      frequency: 'weekly',
      topics: [],
      preferencesUrl: `${publicBaseUrl}/preferences?token=preview`,
      unsubscribeUrl: `${publicBaseUrl}/unsubscribe?token=preview`,
    },
    [
      {
        id: post.id,
        title: post.title,
        url: post.url,
        authorName: post.author.name,
        excerpt: post.excerpt,
        publishedAt: post.published_at ?? post.updated_at,
        tags: post.tags.map((t) => slugify(t)),
        category: post.category,
        image: post.image,
        related: post.related.map((r) => ({ title: r.title, url: r.url })),
      },
    ],
  );
}

export interface SharePreview {
  network: Network;
  /** The text people will read. */
  text: string;
  /** Its length as the network counts it, and the network's limit. */
  length: number;
  limit: number;
  unit: string;
  /** The payload as delivered to webhooks. */
  json: string;
}

export function previewSharePayloads(
  post: PostResource,
  options: { networks?: readonly Network[]; mastodon: { maxChars: number; urlLength: number } },
): SharePreview[] {
  const input: ShareInput = {
    title: post.title,
    excerpt: post.excerpt,
    url: post.url,
    tags: post.tags,
    authorHandles: authorHandlesFromLinks(post.author.links),
    ...(post.image === null ? {} : { image: post.image }),
  };
  const networks = options.networks ?? NETWORKS;
  const payloads = buildSharePayloadsFor(networks, input, { mastodon: options.mastodon });
  const out: SharePreview[] = [];
  for (const network of networks) {
    const payload = payloads[network];
    if (!payload) continue;
    const json = JSON.stringify(payload, null, 2);
    switch (network) {
      case 'x': {
        const text = (payload as { text: string }).text;
        out.push({
          network,
          text,
          length: xLength(text),
          limit: 280,
          unit: 'weighted characters (twitter-text)',
          json,
        });
        break;
      }
      case 'mastodon': {
        const text = (payload as { status: string }).status;
        out.push({
          network,
          text,
          length: mastodonLength(text, options.mastodon.urlLength),
          limit: options.mastodon.maxChars,
          unit: `characters (each link counts ${options.mastodon.urlLength})`,
          json,
        });
        break;
      }
      case 'bluesky': {
        const text = (payload as { text: string }).text;
        out.push({ network, text, length: blueskyLength(text).graphemes, limit: 300, unit: 'graphemes', json });
        break;
      }
      case 'linkedin': {
        const text = (payload as { commentary: string }).commentary;
        out.push({ network, text, length: [...text].length, limit: 3000, unit: 'characters', json });
        break;
      }
      case 'facebook': {
        const text = (payload as { message: string }).message;
        out.push({ network, text, length: [...text].length, limit: 63206, unit: 'characters', json });
        break;
      }
      case 'threads': {
        const text = (payload as { text: string }).text;
        out.push({ network, text, length: threadsLength(text), limit: 500, unit: 'characters', json });
        break;
      }
    }
  }
  return out;
}
