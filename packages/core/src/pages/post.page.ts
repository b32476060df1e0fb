import type { PostPageView } from './page-model';
import { attr, httpUrl, jsonForScript, link, text, time } from './html';
import { feedDiscoveryLinks, renderLayout } from './layout';
import { renderAuthorBox } from './author-box';
import { renderSubscribeBox } from './subscription.pages';

function meta(kind: 'property' | 'name', key: string, value: string | null | undefined): string {
  return value ? `<meta ${kind}="${key}" content="${attr(value)}">` : '';
}

/** schema.org Article, for search engines' rich results. URLs that are not http(s) are left out. */
function articleJsonLd(view: PostPageView): Record<string, unknown> {
  const { post, site } = view;
  const url = httpUrl(post.url);
  const canonical = httpUrl(post.canonicalUrl) ?? url;
  const image = httpUrl(post.image);
  const authorUrl = httpUrl(post.author.url);
  const homeUrl = httpUrl(site.homeUrl);
  return {
    '@context': 'https://schema.org',
    '@type': 'Article',
    headline: post.title,
    ...(post.excerpt ? { description: post.excerpt } : {}),
    datePublished: post.published,
    dateModified: post.updated,
    ...(url ? { url } : {}),
    ...(canonical ? { mainEntityOfPage: { '@type': 'WebPage', '@id': canonical } } : {}),
    author: { '@type': 'Person', name: post.author.name, ...(authorUrl ? { url: authorUrl } : {}) },
    publisher: { '@type': 'Organization', name: site.title, ...(homeUrl ? { url: homeUrl } : {}) },
    ...(image ? { image: [image] } : {}),
    ...(post.tags.length > 0 ? { keywords: post.tags.map((t) => t.title) } : {}),
    ...(post.category ? { articleSection: post.category.title } : {}),
    inLanguage: site.language,
  };
}

/** Open Graph (Facebook, LinkedIn, Slack, Mastodon previews) and Twitter/X card tags. */
function socialMeta(view: PostPageView): string[] {
  const { post, site } = view;
  const image = httpUrl(post.image);
  return [
    meta('property', 'og:type', 'article'),
    meta('property', 'og:site_name', site.title),
    meta('property', 'og:title', post.title),
    meta('property', 'og:description', post.excerpt),
    meta('property', 'og:url', httpUrl(post.canonicalUrl) ?? httpUrl(post.url)),
    meta('property', 'og:image', image),
    meta('property', 'article:published_time', post.published),
    meta('property', 'article:modified_time', post.updated),
    ...post.tags.map((tag) => meta('property', 'article:tag', tag.title)),
    meta('name', 'twitter:card', image ? 'summary_large_image' : 'summary'),
    meta('name', 'twitter:title', post.title),
    meta('name', 'twitter:description', post.excerpt),
    meta('name', 'twitter:image', image),
  ].filter((line) => line !== '');
}

/** oEmbed discovery (oembed.com §4): consumers given the post's URL find the endpoint here. */
function oembedDiscoveryLink(view: PostPageView): string[] {
  const href = httpUrl(view.oembedUrl);
  return href
    ? [`<link rel="alternate" type="application/json+oembed" href="${attr(href)}" title="${attr(view.post.title)}">`]
    : [];
}

/** A post: the article, its author, and the posts related to it. */
export function renderPostPage(view: PostPageView): string {
  const { post, site } = view;
  const image = httpUrl(post.image);
  const syndicated = httpUrl(post.canonicalUrl);
  const byline = [
    time(post.published, site.language),
    `by ${link(post.author.url, post.author.name)}`,
    ...(post.category ? [`in ${link(post.category.url, post.category.title)}`] : []),
  ].join(' · ');
  const tags = post.tags.map((tag) => `<li>${link(tag.url, tag.title, ' rel="tag"')}</li>`);
  const related = view.related.map((r) => `<li>${link(r.url, r.title)}</li>`);
  const main = [
    '<article>',
    `<h1>${text(post.title)}</h1>`,
    `<p class="meta">${byline}</p>`,
    image ? `<img class="cover" src="${attr(image)}" alt="">` : '',
    // Sanitized when stored (an allowlist of text markup, http(s) links and images): embedded as is.
    `<div class="content">\n${post.html}\n</div>`,
    tags.length > 0 ? `<ul class="tags">\n${tags.join('\n')}\n</ul>` : '',
    syndicated && syndicated !== httpUrl(post.url)
      ? `<p class="meta">Originally published at ${link(syndicated, new URL(syndicated).host)}.</p>`
      : '',
    '</article>',
    renderAuthorBox(post.author, 'About the author'),
    related.length > 0
      ? `<section aria-labelledby="related"><h2 id="related">Related posts</h2>\n<ul>\n${related.join('\n')}\n</ul></section>`
      : '',
    view.subscribe ? renderSubscribeBox(view.subscribe, 'Get new posts by email') : '',
    view.commentsHtml ?? '',
  ];
  return renderLayout({
    site,
    title: `${post.title} · ${site.title}`,
    description: post.excerpt || undefined,
    canonicalUrl: httpUrl(post.canonicalUrl) ?? post.url,
    head: [
      ...socialMeta(view),
      ...feedDiscoveryLinks(site.feeds),
      ...oembedDiscoveryLink(view),
      `<script type="application/ld+json">${jsonForScript(articleJsonLd(view))}</script>`,
    ],
    main: main.filter((line) => line !== '').join('\n'),
    guessTimeZone: view.subscribe !== undefined,
  });
}
