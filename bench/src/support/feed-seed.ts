import { saveSite } from '@careerfeed/posts';
import { createHash } from 'node:crypto';
import {
  cleanLine,
  cleanText,
  countWords,
  htmlToPlainText,
  makeExcerpt,
  parseRfc3339,
  sanitizePostHtml,
  slugify,
} from '@careerfeed/core';
import { type NewPostRow, createDb, sql, uuidv7 } from '@careerfeed/db';
import type { Fixture } from './posts';
import type { Store } from './stores';

/**
 * Fills a fresh store with `count` published posts straight through Kysely (multi-row inserts in
 * transactions), bypassing the ingest API, which manages ~300 posts/s: 100,000 posts would take
 * minutes there and seconds here. Rows look like what createPost writes (sanitized HTML, plain
 * text, excerpt, word count, tags, a content hash), plus 3 related_posts rows per post as the
 * worker keeps them, and the site settings.
 *
 * Content: fixture bodies appended until the HTML is at least `minHtmlBytes` long (default 2,400:
 * 2.4–3.6 KB, 3.2 KB on average, like the ingest bench's posts). An RSS item adds ~2.1 KB around
 * its HTML (escaped excerpt, related-posts list, atom:links, categories), so a 20-item RSS feed is
 * ~105 KB. The fixture has 48 bodies (56 KB of distinct text), so a 100 KB feed repeats
 * paragraphs: gzip and brotli compress it better than a real feed, which makes compressed
 * responses smaller, not cheaper to serve.
 * Publication times are spread evenly over `spanYears` up to a day ago, so every post is visible
 * and the feed shows the newest; the offsets of the fixture's own dates are kept.
 */
export interface SeedOptions {
  count: number;
  publicBaseUrl: string;
  /** The `site` settings row (title, description); the fixture's own `site` in the bench. */
  site?: { title?: string; description?: string };
  minHtmlBytes?: number;
  spanYears?: number;
  /** Called with the number of posts inserted so far. */
  progress?: (done: number) => void;
  signal?: AbortSignal;
}

export interface SeedResult {
  posts: number;
  relatedRows: number;
  meanHtmlBytes: number;
  elapsedMs: number;
}

interface Body {
  html: string;
  text: string;
  excerpt: string;
  words: number;
}

const RELATED_PER_POST = 3;
// Rows per INSERT: 19 columns × 400 = 7,600 bound values, under both databases' limits.
const POSTS_PER_INSERT = 400;
const POSTS_PER_TRANSACTION = 5000;

export async function seedFeedStore(store: Store, fixture: Fixture, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const minHtml = options.minHtmlBytes ?? 2400;
  const base = `${options.publicBaseUrl}/`;
  const n = fixture.posts.length;

  // Sanitizing is ~0.6 ms a post; there are only n distinct bodies, so do each once.
  const bodies: Body[] = fixture.posts.map((_, first) => {
    const parts: string[] = [];
    let bytes = 0;
    for (let k = 0; bytes < minHtml && k < n; k++) {
      const part = fixture.posts[(first + k * 7) % n]!.html;
      parts.push(part);
      bytes += Buffer.byteLength(part) + 1;
    }
    const html = sanitizePostHtml(cleanText(parts.join('\n')), base);
    const text = htmlToPlainText(html);
    return { html, text, excerpt: makeExcerpt(text), words: countWords(text) };
  });

  const db = createDb(store.url, { poolSize: 2 });
  try {
    const now = new Date().toISOString();
    const site = { title: 'Career Center Blog', description: '', language: 'en', ...options.site };
    await saveSite(db.kysely, site, now);

    const authorIds = new Map<string, string>();
    for (const author of fixture.authors) {
      const id = uuidv7();
      authorIds.set(author.slug, id);
      await db.kysely
        .insertInto('authors')
        .values({
          id,
          slug: author.slug,
          name: author.name,
          bio: author.bio ?? '',
          links: JSON.stringify(author.links ?? {}),
          created_at: now,
          updated_at: now,
        })
        .execute();
    }

    const tagsOfFixture = fixture.posts.map((p) => normalizeTags(p.tags ?? []));
    const allTags = new Map<string, { slug: string; name: string }>();
    for (const tags of tagsOfFixture) for (const tag of tags) if (!allTags.has(tag.slug)) allTags.set(tag.slug, tag);
    if (allTags.size > 0)
      await db.kysely
        .insertInto('tags')
        .values([...allTags.values()])
        .execute();

    // Oldest first, so the time-ordered ids follow publication order as they would in production.
    const endMs = Date.now() - 24 * 3600_000;
    const spanMs = (options.spanYears ?? 8) * 365.25 * 24 * 3600_000;
    const stepMs = options.count > 1 ? spanMs / (options.count - 1) : 0;
    const ids: string[] = new Array<string>(options.count);
    let htmlBytes = 0;

    for (let from = 0; from < options.count; from += POSTS_PER_TRANSACTION) {
      if (options.signal?.aborted) throw new Error('interrupted');
      const to = Math.min(options.count, from + POSTS_PER_TRANSACTION);
      await db.kysely.transaction().execute(async (trx) => {
        for (let chunk = from; chunk < to; chunk += POSTS_PER_INSERT) {
          const rows: NewPostRow[] = [];
          const postTags: { post_id: string; tag_slug: string; position: number }[] = [];
          for (let i = chunk; i < Math.min(to, chunk + POSTS_PER_INSERT); i++) {
            const source = fixture.posts[i % n]!;
            const body = bodies[i % n]!;
            const published = publishedAt(endMs - (options.count - 1 - i) * stepMs, source.published_at);
            const id = uuidv7(published.epochMs);
            ids[i] = id;
            const title = cleanLine(`Issue ${i + 1}: ${source.title}`);
            const fields = {
              slug: slugify(title, 80),
              title,
              html: body.html,
              excerpt: body.excerpt,
              text_content: body.text,
              word_count: body.words,
              author_id: authorIds.get(source.author) ?? authorIds.values().next().value!,
              category: source.category ? slugify(source.category, 64) : null,
              status: 'published' as const,
              published_at: published.local,
              published_at_utc: published.utc,
              canonical_url: null,
              image: null,
            };
            const tags = tagsOfFixture[i % n]!;
            rows.push({
              id,
              ...fields,
              created_at: published.utc,
              updated_at: published.utc,
              source: 'api',
              external_id: null,
              content_hash: createHash('sha256')
                .update(JSON.stringify({ ...fields, tags: tags.map((t) => t.slug) }))
                .digest('hex'),
            });
            tags.forEach((tag, position) => postTags.push({ post_id: id, tag_slug: tag.slug, position }));
            htmlBytes += Buffer.byteLength(body.html);
          }
          await trx.insertInto('posts').values(rows).execute();
          if (postTags.length > 0) await trx.insertInto('post_tags').values(postTags).execute();
        }
      });
      options.progress?.(to);
    }

    // Once every post exists (foreign keys): each post's 3 "most related" others, spread deterministically.
    let relatedRows = 0;
    if (options.count > RELATED_PER_POST) {
      for (let from = 0; from < options.count; from += POSTS_PER_TRANSACTION) {
        if (options.signal?.aborted) throw new Error('interrupted');
        const to = Math.min(options.count, from + POSTS_PER_TRANSACTION);
        await db.kysely.transaction().execute(async (trx) => {
          // 4 columns: 1,500 rows per INSERT stays well under the bound-value limits.
          for (let chunk = from; chunk < to; chunk += 1500) {
            const rows: { post_id: string; related_id: string; rank: number; score: number }[] = [];
            for (let i = chunk; i < Math.min(to, chunk + 1500); i++) {
              for (const [rank, j] of relatedOf(i, options.count).entries()) {
                rows.push({ post_id: ids[i]!, related_id: ids[j]!, rank, score: 0.9 - rank * 0.1 });
              }
            }
            await trx.insertInto('related_posts').values(rows).execute();
            relatedRows += rows.length;
          }
        });
      }
    }
    if (db.dialect === 'postgres') {
      // Autovacuum would analyze a freshly loaded table within a minute; do it now so the first
      // plans are the steady-state ones.
      await sql`analyze`.execute(db.kysely);
    }
    return {
      posts: options.count,
      relatedRows,
      meanHtmlBytes: Math.round(htmlBytes / Math.max(1, options.count)),
      elapsedMs: performance.now() - started,
    };
  } finally {
    await db.close();
  }
}

/** Three distinct other posts, mostly nearby in time (as topical neighbours tend to be), one anywhere. */
function relatedOf(i: number, count: number): number[] {
  const picks: number[] = [];
  const candidates = [i - 1 - (i % 5), i - 7 - (i % 11), (i * 7919 + 104_729) % count];
  for (let c of candidates) {
    c = ((c % count) + count) % count;
    while (c === i || picks.includes(c)) c = (c + 1) % count;
    picks.push(c);
  }
  return picks;
}

function normalizeTags(values: string[]): { slug: string; name: string }[] {
  const bySlug = new Map<string, { slug: string; name: string }>();
  for (const value of values) {
    const slug = slugify(value, 64);
    if (slug !== '' && !bySlug.has(slug)) bySlug.set(slug, { slug, name: cleanLine(value) });
  }
  return [...bySlug.values()];
}

/** The instant `epochMs` written with the offset of the fixture date (RFC 3339), whole seconds. */
function publishedAt(
  epochMs: number,
  fixtureDate: string | undefined,
): { local: string; utc: string; epochMs: number } {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(fixtureDate ?? '');
  const offsetMin = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  const wall = new Date(Math.floor(epochMs / 1000) * 1000 + offsetMin * 60_000).toISOString().slice(0, 19);
  const zone = offset ? `${offset[1]}${offset[2]}:${offset[3]}` : 'Z';
  const parsed = parseRfc3339(`${wall}${zone}`);
  if (!parsed) throw new Error(`bad generated date ${wall}${zone}`);
  return parsed;
}
