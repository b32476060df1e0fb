import { httpUrl, text } from '../pages/html';
import { cleanLine } from '../text';
import type { DigestFrequency, DigestPost, DigestRenderer, DigestRendererOptions, DigestSite } from './digest-model';
import { sanitizeHeaderText, wrapText } from './mail-text';
import { MAIL_SLOTS, STYLE, mailLayoutSource, mailLink } from './mail-layout';
import { compileMjmlTemplate } from './mjml-template';

export const DEFAULT_MAX_POSTS = 20;

// A run shows tens of posts; the bound only matters for a renderer kept alive for days (instant mails).
const MAX_CACHED_POSTS = 1000;

/** A post's two renditions, built once per renderer (the same post goes to thousands of subscribers). */
interface PostBlock {
  source: DigestPost;
  html: string;
  text: string;
}

/**
 * Whether a cached block still shows this post. Workers may load the same post afresh for each
 * job, so identity is not enough; comparing the displayed fields is cheap next to rendering them.
 */
function showsSame(a: DigestPost, b: DigestPost): boolean {
  return (
    a === b ||
    (a.title === b.title &&
      a.url === b.url &&
      a.authorName === b.authorName &&
      a.excerpt === b.excerpt &&
      a.related.length === b.related.length &&
      a.related.every((r, i) => r.title === b.related[i]?.title && r.url === b.related[i]?.url))
  );
}

function postHtml(post: DigestPost): string {
  const title = cleanLine(post.title);
  const excerpt = cleanLine(post.excerpt);
  const related = post.related.map((r) => `<li>${mailLink(r.url, cleanLine(r.title))}</li>`);
  return [
    `<div style="${STYLE.post}">`,
    `<h2 style="${STYLE.postTitle}">${mailLink(post.url, title, STYLE.postTitleLink)}</h2>`,
    `<p style="${STYLE.meta}">by ${text(cleanLine(post.authorName))}</p>`,
    excerpt === '' ? '' : `<p style="${STYLE.paragraph}">${text(excerpt)}</p>`,
    httpUrl(post.url) === null ? '' : `<p style="${STYLE.paragraph}">${mailLink(post.url, 'Read the post')}</p>`,
    related.length === 0
      ? ''
      : `<p style="${STYLE.relatedHeading}">Related posts</p><ul style="${STYLE.relatedList}">${related.join('')}</ul>`,
    '</div>',
  ].join('');
}

function postText(post: DigestPost): string {
  const lines = [wrapText(cleanLine(post.title)), wrapText(`by ${cleanLine(post.authorName)}`)];
  const excerpt = cleanLine(post.excerpt);
  if (excerpt !== '') lines.push('', wrapText(excerpt));
  const url = httpUrl(post.url);
  if (url !== null) lines.push('', 'Read the post:', url);
  if (post.related.length > 0) {
    lines.push('', 'Related posts:');
    for (const r of post.related) {
      lines.push(wrapText(`- ${cleanLine(r.title)}`));
      const relatedUrl = httpUrl(r.url);
      if (relatedUrl !== null) lines.push(relatedUrl);
    }
  }
  return lines.join('\n');
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const PERIOD: Readonly<Record<DigestFrequency, string>> = {
  instant: '',
  daily: ' since yesterday',
  weekly: ' this week',
};

const WHY: Readonly<Record<DigestFrequency, string>> = {
  instant: 'this email about a new post',
  daily: 'this daily digest',
  weekly: 'this weekly digest',
};

/** "resume, internships" for stored topics; "everything" for none. */
export function describeTopics(topics: readonly string[]): string {
  if (topics.length === 0) return 'everything';
  const names = topics.map((t) => cleanLine(t.replace(/^(?:topic|tag|category):/, '')));
  return [...new Set(names)].join(', ');
}

export function digestSubject(site: DigestSite, frequency: DigestFrequency, posts: readonly DigestPost[]): string {
  const first = posts[0];
  if (first === undefined) throw new RangeError('a digest needs at least one post');
  const siteTitle = cleanLine(site.title);
  const firstTitle = cleanLine(first.title);
  if (frequency === 'instant' && posts.length === 1) return sanitizeHeaderText(`${siteTitle}: ${firstTitle}`);
  const count = plural(posts.length, 'new post', 'new posts');
  return sanitizeHeaderText(`${siteTitle}: ${count}${PERIOD[frequency]} — ${firstTitle}`);
}

/**
 * Builds digest mails for one site. The layout is compiled by MJML here, once; `render` then only
 * joins strings: the compiled skeleton, the cached per-post blocks and the few per-subscriber
 * bits (subject, counts, footer), each escaped where it is inserted.
 */
export async function createDigestRenderer(
  site: DigestSite,
  options: DigestRendererOptions = {},
): Promise<DigestRenderer> {
  const maxPosts = options.maxPosts ?? DEFAULT_MAX_POSTS;
  if (!Number.isInteger(maxPosts) || maxPosts < 1) throw new RangeError(`maxPosts must be a positive integer`);
  const template = await compileMjmlTemplate(mailLayoutSource(site), MAIL_SLOTS);
  const siteTitle = cleanLine(site.title);
  const siteUrl = httpUrl(site.url);
  const blocks = new Map<string, PostBlock>();

  function block(post: DigestPost): PostBlock {
    const cached = blocks.get(post.id);
    if (cached !== undefined && showsSame(cached.source, post)) return cached;
    const fresh = { source: post, html: postHtml(post), text: postText(post) };
    if (blocks.size >= MAX_CACHED_POSTS) blocks.clear();
    blocks.set(post.id, fresh);
    return fresh;
  }

  return {
    render(recipient, posts) {
      const subject = digestSubject(site, recipient.frequency, posts);
      const shown = posts.slice(0, maxPosts).map(block);
      const more = posts.length - shown.length;
      const heading = `${plural(posts.length, 'new post', 'new posts')}${PERIOD[recipient.frequency]}`;
      const email = cleanLine(recipient.email);
      const why =
        `You get ${WHY[recipient.frequency]} because you subscribed to ${siteTitle} with ${email}; ` +
        `topics: ${describeTopics(recipient.topics)}.`;
      const preferencesUrl = httpUrl(recipient.preferencesUrl);
      const unsubscribeUrl = httpUrl(recipient.unsubscribeUrl);

      const moreHtml =
        more > 0
          ? `<p style="${STYLE.paragraph}">And ${mailLink(site.url, plural(more, 'more post', 'more posts'))} on ${text(siteTitle)}.</p>`
          : '';
      const html = template.fill({
        TITLE: text(subject),
        PREVIEW: text(shown.map((b) => cleanLine(b.source.title)).join(' · ')),
        BODY: `<h1 style="${STYLE.heading}">${text(heading)}</h1>${shown.map((b) => b.html).join('')}${moreHtml}`,
        FOOTER: [
          `<p style="${STYLE.footerParagraph}">${text(why)}</p>`,
          `<p style="${STYLE.footerParagraph}">${mailLink(preferencesUrl, 'Manage your preferences')} · ${mailLink(unsubscribeUrl, 'Unsubscribe')}</p>`,
        ].join(''),
      });

      const textParts = [[siteTitle, siteUrl].filter((l) => l !== null).join('\n'), heading];
      for (const b of shown) textParts.push(`----\n\n${b.text}`);
      if (more > 0) {
        textParts.push(
          ['----', '', `And ${plural(more, 'more post', 'more posts')} on ${siteTitle}${siteUrl ? ':' : '.'}`, siteUrl]
            .filter((l) => l !== null)
            .join('\n'),
        );
      }
      const footer = ['--', wrapText(why)];
      if (preferencesUrl !== null) footer.push('', 'Manage your preferences:', preferencesUrl);
      if (unsubscribeUrl !== null) footer.push('', 'Unsubscribe:', unsubscribeUrl);
      textParts.push(footer.join('\n'));
      return { subject, html, text: `${textParts.join('\n\n')}\n` };
    },
  };
}
