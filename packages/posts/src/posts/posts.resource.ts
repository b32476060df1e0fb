import { z } from 'zod';

/**
 * What the posts API answers, as zod: the services' return types are inferred from these
 * (`PostResource`, `AuthorResource`), and the OpenAPI documents are generated from them, so the
 * code, the document and its examples cannot drift apart. Strict objects: a field the code adds
 * without describing it fails the response-validation tests.
 */

const timestamp = z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339, UTC' });

export const authorResourceSchema = z
  .strictObject({
    slug: z.string().meta({ description: 'Lowercase letters, digits and single dashes' }),
    name: z.string(),
    bio: z.string().meta({ description: 'Plain text; empty when none was given' }),
    links: z.record(z.string(), z.string()).meta({ description: 'Profile links by name, e.g. mastodon, linkedin' }),
  })
  .meta({ id: 'Author', description: 'Who wrote a post' });
export type AuthorResource = z.infer<typeof authorResourceSchema>;

export const relatedLinkSchema = z.strictObject({ id: z.string(), url: z.url(), title: z.string() });

export const postResourceSchema = z
  .strictObject({
    id: z.uuid(),
    slug: z.string(),
    url: z.url().meta({ description: 'The public post page' }),
    title: z.string(),
    html: z.string().meta({ description: 'Sanitized HTML, as stored and served' }),
    excerpt: z.string(),
    word_count: z.int().min(0),
    author: authorResourceSchema,
    tags: z.array(z.string()),
    category: z.string().nullable(),
    status: z.enum(['draft', 'published']),
    published_at: timestamp
      .nullable()
      .meta({ description: 'A future time means the post is scheduled: invisible until then' }),
    created_at: timestamp,
    updated_at: timestamp,
    canonical_url: z.url().nullable(),
    image: z.url().nullable(),
    source: z.string().meta({ description: '"api", "import", or the id of the partner source it was syndicated from' }),
    external_id: z.string().nullable(),
    related: z.array(relatedLinkSchema).meta({ description: 'Related published posts, best first' }),
  })
  .meta({ id: 'Post', description: 'A post as stored' });
export type PostResource = z.infer<typeof postResourceSchema>;

export const nextCursorSchema = z
  .string()
  .nullable()
  .meta({ description: 'Pass as `cursor` for the next page; null on the last' });

export const postPageSchema = z
  .strictObject({ items: z.array(postResourceSchema), next_cursor: nextCursorSchema })
  .meta({ id: 'PostPage', description: 'One page of posts, newest first' });
export type PostPage = z.infer<typeof postPageSchema>;

export const authorListSchema = z.strictObject({ items: z.array(authorResourceSchema) }).meta({ id: 'AuthorList' });
