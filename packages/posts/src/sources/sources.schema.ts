import { z } from 'zod';
import { isCleanIdentifierText, plainTitle } from '@careerfeed/core';

/** Bodies of the sources API (admin). Unknown fields are refused, like everywhere in this API. */
const url = z
  .string()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .refine(isCleanIdentifierText, 'must not contain control characters or unpaired surrogates');

/** 5 minutes to a day: more often is unkind to a partner's server, less often is not syndication. */
const intervalMinutes = z
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(5, 'must be at least 5')
  .max(1440, 'must be at most 1440');

const author = z
  .string()
  .max(200, 'must be at most 200 characters')
  // Stored as sent: it becomes a post's author name through the posts schema, which makes it plain text.
  .refine((value) => plainTitle(value) !== '', 'must contain visible text (markup is removed)');

const category = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .refine(isCleanIdentifierText, 'must not contain control characters or unpaired surrogates');

/**
 * `feed` (default): `url` is an RSS, Atom or JSON feed. `wordpress`: `url` is a WordPress site's
 * address; it is synced through its REST API (/wp-json/wp/v2/posts), or its feed when the API is off.
 */
export const SOURCE_KINDS = ['feed', 'wordpress'] as const;

export const createSourceSchema = z.strictObject({
  url,
  kind: z.enum(SOURCE_KINDS, { message: 'must be "feed" or "wordpress"' }).optional(),
  interval_minutes: intervalMinutes.optional(),
  author: author.nullable().optional(),
  category: category.nullable().optional(),
});
export type CreateSourceInput = z.infer<typeof createSourceSchema>;

/** PATCH: any subset; `null` clears author or category. The URL is fixed (a new URL is a new source). */
export const updateSourceSchema = z.strictObject({
  interval_minutes: intervalMinutes.optional(),
  author: author.nullable().optional(),
  category: category.nullable().optional(),
});
export type UpdateSourceInput = z.infer<typeof updateSourceSchema>;

export const DEFAULT_INTERVAL_MINUTES = 60;
