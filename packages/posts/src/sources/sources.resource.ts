import { z } from 'zod';

/** What the sources API answers; `SourceResource` and `PollSummary` are inferred from these. */

const timestamp = z.iso.datetime({ offset: true });

export const pollSummarySchema = z
  .strictObject({
    status: z.int().meta({ description: '200, or 304 when the feed had not changed (nothing was read or written)' }),
    format: z
      .enum(['rss', 'atom', 'rdf', 'json', 'wordpress'])
      .nullable()
      .meta({ description: 'null on a 304; "wordpress": read through the WordPress REST API' }),
    items: z.int().min(0),
    created: z.int().min(0),
    updated: z.int().min(0),
    unchanged: z.int().min(0),
    skipped: z.int().min(0).meta({ description: 'Items with neither guid nor link, or that no post could be made of' }),
    duplicates: z.int().min(0).meta({ description: 'Items repeating a guid already seen in the same feed' }),
    withheld: z.int().min(0).meta({ description: 'Items whose post an editor set to draft: left alone' }),
  })
  .meta({ id: 'PollSummary', description: 'What one successful poll did' });
export type PollSummary = z.infer<typeof pollSummarySchema>;

export const POLL_ERROR_CODES = [
  'INVALID_URL',
  'BLOCKED_ADDRESS',
  'NETWORK',
  'TIMEOUT',
  'TOO_LARGE',
  'TOO_MANY_REDIRECTS',
  'HTTP_STATUS',
  'RATE_LIMITED',
  'NOT_A_FEED',
  'INVALID_FEED',
] as const;

export const sourceResourceSchema = z
  .strictObject({
    id: z.uuid(),
    url: z.url(),
    kind: z.enum(['feed', 'wordpress']).meta({
      description:
        'feed: an RSS/Atom/JSON feed; wordpress: a WordPress site synced through its REST API (its feed when the API is off)',
    }),
    interval_minutes: z.int().min(5).max(1440),
    author: z.string().nullable().meta({ description: 'Credited on items that name no author' }),
    category: z.string().nullable().meta({ description: 'Category slug given to every post of the source' }),
    title: z.string().nullable().meta({ description: "The feed's own title, as last parsed" }),
    created_at: timestamp,
    updated_at: timestamp,
    health: z.strictObject({
      last_poll_at: timestamp.nullable(),
      last_success_at: timestamp.nullable(),
      last_error: z
        .strictObject({
          at: timestamp,
          code: z.string().meta({ description: POLL_ERROR_CODES.join(', ') }),
          message: z.string(),
        })
        .nullable()
        .meta({ description: 'The latest failure (kept after a later success)' }),
      consecutive_failures: z.int().min(0),
      next_poll_at: timestamp,
      items_count: z.int().min(0).meta({ description: 'Posts syndicated from this source' }),
      last_poll: pollSummarySchema.nullable(),
    }),
  })
  .meta({ id: 'Source', description: 'A partner feed we syndicate, with its health' });
export type SourceResource = z.infer<typeof sourceResourceSchema>;

export const sourceListSchema = z.strictObject({ items: z.array(sourceResourceSchema) }).meta({ id: 'SourceList' });
