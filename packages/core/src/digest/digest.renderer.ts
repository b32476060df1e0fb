import { attr, displayDate, httpUrl, text } from '../pages/html';
import { cleanLine } from '../text';
import type { DigestFrequency, DigestPost, DigestRenderer, DigestRendererOptions, DigestSite } from './digest-model';
import { sanitizeHeaderText, wrapText } from './mail-text';
import { MAIL_SLOTS, mailLanguage, mailLayoutSource, mailLink, mailStyles, postalAddressLines } from './mail-layout';
import { compileMjmlTemplate } from './mjml-template';

export const DEFAULT_MAX_POSTS = 20;

/** Posts in the digest's one "More like this" block. */
export const MORE_LIKE_THIS = 3;

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
      a.publishedAt === b.publishedAt &&
      (a.image ?? null) === (b.image ?? null) &&
      (a.topicNames ?? []).join('\n') === (b.topicNames ?? []).join('\n'))
  );
}

type MailStyles = ReturnType<typeof mailStyles>;

/** "March 1, 2025 · by Maya Okafor · Resume, Interviews" */
function postMeta(post: DigestPost, language: string): string {
  const topics = [...new Set((post.topicNames ?? []).map((t) => cleanLine(t)).filter((t) => t !== ''))];
  return [
    displayDate(post.publishedAt, language),
    `by ${cleanLine(post.authorName)}`,
    ...(topics.length > 0 ? [topics.join(', ')] : []),
  ].join(' · ');
}

function postHtml(post: DigestPost, style: MailStyles, language: string): string {
  const title = cleanLine(post.title);
  const excerpt = cleanLine(post.excerpt);
  const image = httpUrl(post.image);
  const url = httpUrl(post.url);
  const img = image === null ? '' : `<img src="${attr(image)}" alt="" width="552" style="${style.image}">`;
  return [
    `<div style="${style.post}">`,
    `<h2 style="${style.postTitle}">${mailLink(post.url, title, style.postTitleLink)}</h2>`,
    `<p style="${style.meta}">${text(postMeta(post, language))}</p>`,
    img === '' ? '' : url === null ? img : `<a href="${attr(url)}">${img}</a>`,
    excerpt === '' ? '' : `<p style="${style.paragraph}">${text(excerpt)}</p>`,
    url === null ? '' : `<p style="${style.paragraph}">${mailLink(post.url, 'Read the post', style.link)}</p>`,
    '</div>',
  ].join('');
}

function postText(post: DigestPost, language: string): string {
  const lines = [wrapText(cleanLine(post.title)), wrapText(postMeta(post, language))];
  const excerpt = cleanLine(post.excerpt);
  if (excerpt !== '') lines.push('', wrapText(excerpt));
  const url = httpUrl(post.url);
  if (url !== null) lines.push('', 'Read the post:', url);
  return lines.join('\n');
}

/**
 * The digest's one "More like this" list: the related posts of the posts shown, in their order,
 * without duplicates and without posts the digest already carries.
 */
export function moreLikeThis(posts: readonly DigestPost[], limit = MORE_LIKE_THIS): { title: string; url: string }[] {
  const seen = new Set(posts.map((p) => p.url));
  const picked: { title: string; url: string }[] = [];
  for (const post of posts) {
    for (const related of post.related) {
      if (picked.length >= limit) return picked;
      if (seen.has(related.url) || httpUrl(related.url) === null) continue;
      seen.add(related.url);
      picked.push(related);
    }
  }
  return picked;
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
  const style = mailStyles(site.accentColor);
  const language = mailLanguage(site);
  const address = postalAddressLines(site);
  const blocks = new Map<string, PostBlock>();

  function block(post: DigestPost): PostBlock {
    const cached = blocks.get(post.id);
    if (cached !== undefined && showsSame(cached.source, post)) return cached;
    const fresh = { source: post, html: postHtml(post, style, language), text: postText(post, language) };
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
          ? `<p style="${style.paragraph}">And ${mailLink(site.url, plural(more, 'more post', 'more posts'), style.link)} on ${text(siteTitle)}.</p>`
          : '';
      const alike = moreLikeThis(posts);
      const alikeHtml =
        alike.length === 0
          ? ''
          : `<div style="${style.moreLikeThis}"><h2 style="${style.moreLikeThisHeading}">More like this</h2>` +
            `<ul style="${style.relatedList}">${alike.map((r) => `<li>${mailLink(r.url, cleanLine(r.title), style.link)}</li>`).join('')}</ul></div>`;
      const html = template.fill({
        TITLE: text(subject),
        PREVIEW: text(shown.map((b) => cleanLine(b.source.title)).join(' · ')),
        BODY: `<h1 style="${style.heading}">${text(heading)}</h1>${shown.map((b) => b.html).join('')}${moreHtml}${alikeHtml}`,
        FOOTER: [
          `<p style="${style.footerParagraph}">${text(why)}</p>`,
          `<p style="${style.footerParagraph}">${mailLink(preferencesUrl, 'Manage your preferences', style.link)} · ${mailLink(unsubscribeUrl, 'Unsubscribe', style.link)}</p>`,
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
      if (alike.length > 0) {
        const lines = ['----', '', 'More like this:'];
        for (const r of alike) lines.push(wrapText(`- ${cleanLine(r.title)}`), httpUrl(r.url)!);
        textParts.push(lines.join('\n'));
      }
      const footer = ['--', wrapText(why)];
      if (preferencesUrl !== null) footer.push('', 'Manage your preferences:', preferencesUrl);
      if (unsubscribeUrl !== null) footer.push('', 'Unsubscribe:', unsubscribeUrl);
      if (address.length > 0) footer.push('', ...address);
      textParts.push(footer.join('\n'));
      return { subject, html, text: `${textParts.join('\n\n')}\n` };
    },
  };
}
