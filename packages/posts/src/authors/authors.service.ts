import { z } from 'zod';
import { AppError, cleanLine, cleanText } from '@careerfeed/core';
import { authorLinksSchema, httpUrl } from '../posts/posts.schema';
import { type AuthorRow, type Database, type Kysely, uuidv7 } from '@careerfeed/db';
import type { AuthorResource } from '../posts/posts.resource';
import * as authors from './authors.repository';

export interface AuthorInput {
  slug: string;
  name: string;
  bio?: string | undefined;
  links?: Record<string, string> | undefined;
}

export type { AuthorResource } from '../posts/posts.resource';

export function authorRowToResource(row: AuthorRow): AuthorResource {
  return { slug: row.slug, name: row.name, bio: row.bio, links: JSON.parse(row.links) as Record<string, string> };
}

/**
 * Creates the author or replaces its name, bio and links (PUT semantics: an omitted bio or links
 * becomes empty). Returns the row and whether it was new. `ON CONFLICT DO NOTHING` keeps a racing
 * insert of the same slug from failing (and from aborting an enclosing PostgreSQL transaction).
 */
export async function upsertAuthor(
  db: Kysely<Database>,
  input: AuthorInput,
  now: string,
): Promise<{ author: AuthorRow; created: boolean }> {
  const fields = {
    name: cleanLine(input.name),
    bio: cleanText(input.bio ?? '').trim(),
    links: JSON.stringify(input.links ?? {}),
    updated_at: now,
  };
  const row: AuthorRow = { id: uuidv7(), slug: input.slug, photo_url: null, created_at: now, ...fields };
  if (await authors.insertAuthorIfAbsent(db, row)) return { author: row, created: true };
  const existing = await authors.findAuthorBySlug(db, input.slug);
  if (!existing) throw new Error(`author ${input.slug} vanished during upsert`);
  const unchanged = existing.name === fields.name && existing.bio === fields.bio && existing.links === fields.links;
  if (unchanged) return { author: existing, created: false };
  await authors.updateAuthor(db, existing.id, fields);
  return { author: { ...existing, ...fields }, created: false };
}

export async function listAuthorResources(db: Kysely<Database>): Promise<AuthorResource[]> {
  return (await authors.listAuthors(db)).map(authorRowToResource);
}

export async function getAuthorResource(db: Kysely<Database>, slug: string): Promise<AuthorResource> {
  const row = await authors.findAuthorBySlug(db, slug);
  if (!row) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No author has the slug "${slug}"` });
  return authorRowToResource(row);
}

/** What the console edits of an author: the same rules as the API's author bodies, plus a photo. */
export const authorProfileSchema = z.strictObject({
  bio: z.string().max(5000, 'must be at most 5000 characters'),
  photo_url: httpUrl.nullable(),
  links: authorLinksSchema,
});
export type AuthorProfileInput = z.infer<typeof authorProfileSchema>;

export interface AuthorProfile extends AuthorResource {
  photo_url: string | null;
}

export async function getAuthorProfile(db: Kysely<Database>, slug: string): Promise<AuthorProfile> {
  const row = await authors.findAuthorBySlug(db, slug);
  if (!row) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No author has the slug "${slug}"` });
  return { ...authorRowToResource(row), photo_url: row.photo_url };
}

/** Replaces an author's bio, photo and links (the name and slug stay: posts and feeds credit them). */
export async function updateAuthorProfile(
  db: Kysely<Database>,
  slug: string,
  input: AuthorProfileInput,
  now: string,
): Promise<AuthorProfile> {
  const row = await authors.findAuthorBySlug(db, slug);
  if (!row) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No author has the slug "${slug}"` });
  await authors.updateAuthor(db, row.id, {
    bio: cleanText(input.bio).trim(),
    photo_url: input.photo_url,
    links: JSON.stringify(input.links),
    updated_at: now,
  });
  return getAuthorProfile(db, slug);
}

export async function listAuthorProfiles(db: Kysely<Database>): Promise<AuthorProfile[]> {
  return (await authors.listAuthors(db)).map((row) => ({ ...authorRowToResource(row), photo_url: row.photo_url }));
}
