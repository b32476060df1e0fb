import fs from 'node:fs';
import { z } from 'zod';
import { AppError, plainTitle } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import {
  type PostsDeps,
  createPostSchema,
  importPost,
  listPosts,
  readSite,
  saveSite,
  siteSchema,
  upsertAuthor,
} from '@careerfeed/posts';

/**
 * The exchange format is that of fixtures/sample-blog.json: `{site, authors, posts}`. Posts may carry
 * fields we do not store (the fixture's `topic` label); they are ignored, not rejected, so files
 * made by other tools import.
 */
const importFileSchema = z.object({
  site: z.unknown().optional(),
  authors: z.array(z.unknown()).default([]),
  posts: z.array(z.record(z.string(), z.unknown())).default([]),
});

const importedAuthorSchema = z.object({
  slug: z.string().min(1),
  // Names (like titles) are read as the API reads them: markup stripped, entities decoded once.
  name: z.string().min(1).transform(plainTitle),
  bio: z.string().optional(),
  links: z.record(z.string(), z.string()).optional(),
});

/** Plain text as the importer reads it back unchanged: `&`, `<` and `>` escaped, nothing else. */
function asImportedText(text: string): string {
  return text.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}

const POST_FIELDS = Object.keys(createPostSchema.shape);

export interface ImportSummary {
  authors: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: { index: number; slug: unknown; error: string }[];
}

export async function importFile(deps: PostsDeps, file: string): Promise<ImportSummary> {
  const parsed = importFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not an import file: ${parsed.error.message}`);
  const { site, authors, posts } = parsed.data;
  const now = new Date().toISOString();
  if (site !== undefined) await saveSite(deps.db.kysely, siteSchema.parse(site), now);
  for (const author of authors) await upsertAuthor(deps.db.kysely, importedAuthorSchema.parse(author), now);

  const summary: ImportSummary = { authors: authors.length, created: 0, updated: 0, unchanged: 0, failed: [] };
  for (const [index, raw] of posts.entries()) {
    const known = Object.fromEntries(Object.entries(raw).filter(([key]) => POST_FIELDS.includes(key)));
    const input = createPostSchema.safeParse(known);
    if (!input.success || !input.data.slug) {
      summary.failed.push({
        index,
        slug: raw.slug,
        error: input.success ? 'slug is required to import' : input.error.message,
      });
      continue;
    }
    try {
      const result = await importPost(deps, { ...input.data, slug: input.data.slug });
      if (result.created) summary.created += 1;
      else if (result.changed) summary.updated += 1;
      else summary.unchanged += 1;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      summary.failed.push({ index, slug: raw.slug, error: error.message });
    }
  }
  return summary;
}

/** Everything, in the import format, oldest post first, so `import` of the output recreates the store. */
export async function exportAll(deps: PostsDeps): Promise<unknown> {
  const db: Db = deps.db;
  const site = await readSite(db.kysely);
  const authors = await db.kysely.selectFrom('authors').selectAll().orderBy('slug').execute();
  const posts = [];
  let cursor: string | undefined;
  do {
    const page = await listPosts(deps, { limit: 100, cursor });
    posts.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  posts.reverse();
  return {
    site,
    // Titles and names are stored as plain text and imported as the API reads them (entities
    // decoded once), so they are written escaped: a title with the text "<b>" survives the round trip.
    authors: authors.map((a) => ({
      slug: a.slug,
      name: asImportedText(a.name),
      bio: a.bio,
      links: JSON.parse(a.links) as unknown,
    })),
    posts: posts.map((p) => ({
      slug: p.slug,
      title: asImportedText(p.title),
      author: p.author.slug,
      tags: p.tags,
      category: p.category,
      status: p.status,
      published_at: p.published_at,
      html: p.html,
      ...(p.canonical_url ? { canonical_url: p.canonical_url } : {}),
      ...(p.image ? { image: p.image } : {}),
    })),
  };
}
