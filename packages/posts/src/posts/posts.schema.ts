import { z } from 'zod';
import { isCleanIdentifierText, isValidSlug, plainTitle } from '@careerfeed/core';

/**
 * Request bodies of the posts API. Unknown fields are rejected rather than ignored: a typo such as
 * `publish_at` would otherwise publish a post now that was meant for next week.
 * Free text (title, html, bio) may contain control characters; they are stripped when stored.
 * Titles, names and tags are plain text once parsed (`plainTitle`: markup stripped, entities decoded
 * once): the transform runs here, where input enters, and nowhere after, since decoding twice would
 * turn the text `<b>` (sent as `&lt;b&gt;`) into markup.
 * Identifiers (slugs, tags, external ids) may not: silently changing an identifier would make the
 * next upsert miss, so they are refused with a 400 naming the field.
 */
const identifier = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(isCleanIdentifierText, 'must not contain control characters or unpaired surrogates');

const slug = z
  .string()
  .max(200, 'must be at most 200 characters')
  .refine(isValidSlug, 'must be lowercase letters, digits and single dashes, e.g. "my-first-post"');

// URLs are stored as sent, and the WHATWG parser accepts (and ignores or escapes) control
// characters, so they must be refused before parsing: PostgreSQL cannot store NUL at all.
export const httpUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine(isCleanIdentifierText, { message: 'must not contain control characters or unpaired surrogates', abort: true })
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

const rfc3339 = z.string().max(64, 'must be an RFC 3339 timestamp');

export const authorLinksSchema = z
  .record(
    z.string().regex(/^[a-z0-9_-]{1,32}$/, 'link names are lowercase words such as "linkedin" or "mastodon"'),
    z.string().min(1).max(512).refine(isCleanIdentifierText, 'must not contain control characters'),
  )
  .refine((links) => Object.keys(links).length <= 20, 'at most 20 links');

export const authorBodySchema = z.strictObject({
  // Plain text; one made only of markup, control characters or spaces would be empty.
  name: z
    .string()
    .min(1, { message: 'must not be empty', abort: true })
    .max(200, 'must be at most 200 characters')
    .refine((value) => plainTitle(value) !== '', 'must contain visible text (markup is removed)')
    .transform(plainTitle),
  bio: z.string().max(5000, 'must be at most 5000 characters').optional(),
  links: authorLinksSchema.optional(),
});

const inlineAuthor = authorBodySchema.extend({ slug });

const postFields = {
  title: z
    .string()
    .min(1, { message: 'must not be empty', abort: true })
    .max(500, 'must be at most 500 characters')
    .refine((value) => plainTitle(value) !== '', 'must contain visible text (markup is removed)')
    .transform(plainTitle),
  html: z.string().max(900_000, 'must be at most 900000 characters'),
  author: z.union([slug, inlineAuthor], {
    message: "must be an author's slug or an object {slug, name, bio?, links?}",
  }),
  tags: z
    .array(identifier(64).transform(plainTitle), { message: 'must be a list of strings' })
    .max(30, 'at most 30 tags'),
  category: identifier(64).transform(plainTitle).nullable(),
  published_at: rfc3339.nullable(),
  status: z.enum(['draft', 'published'], { message: 'must be "draft" or "published"' }),
  slug,
  canonical_url: httpUrl.nullable(),
  image: httpUrl.nullable(),
  excerpt: z.string().max(2000, 'must be at most 2000 characters').nullable(),
  external_id: identifier(256),
  source: z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, 'must be 1-64 lowercase letters, digits, or . _ : -'),
};

export const createPostSchema = z.strictObject({
  title: postFields.title,
  html: postFields.html,
  author: postFields.author,
  tags: postFields.tags.optional(),
  category: postFields.category.optional(),
  published_at: postFields.published_at.optional(),
  status: postFields.status.optional(),
  slug: postFields.slug.optional(),
  canonical_url: postFields.canonical_url.optional(),
  image: postFields.image.optional(),
  excerpt: postFields.excerpt.optional(),
  external_id: postFields.external_id.optional(),
  source: postFields.source.optional(),
});
export type CreatePostInput = z.infer<typeof createPostSchema>;

/** PATCH: any subset; `null` clears an optional field. */
export const updatePostSchema = z.strictObject({
  title: postFields.title.optional(),
  html: postFields.html.optional(),
  author: postFields.author.optional(),
  tags: postFields.tags.optional(),
  category: postFields.category.optional(),
  published_at: postFields.published_at.optional(),
  status: postFields.status.optional(),
  slug: postFields.slug.optional(),
  canonical_url: postFields.canonical_url.optional(),
  image: postFields.image.optional(),
  excerpt: postFields.excerpt.optional(),
});
export type UpdatePostInput = z.infer<typeof updatePostSchema>;

/** `limit` of every paginated list: 1-100, default 20. */
export const pageLimit = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(100, 'must be at most 100')
  .default(20);

export const listPostsQuerySchema = z.strictObject({
  limit: pageLimit,
  cursor: z.string().max(200).optional(),
  status: z.enum(['draft', 'published'], { message: 'must be "draft" or "published"' }).optional(),
  author: slug.optional(),
  tag: z
    .string()
    .max(200)
    .refine(isCleanIdentifierText, 'must not contain control characters or unpaired surrogates')
    .optional(),
});
export type ListPostsQuery = z.infer<typeof listPostsQuerySchema>;
