import { z } from 'zod';
import type { SharePayloads } from '@careerfeed/core';

/**
 * The share payloads of packages/core/src/share/share.types.ts as zod, one ready-to-post body per
 * network in that network's own shape. `satisfies` below keeps them equal to the core types the
 * builders return.
 */

export const xPayloadSchema = z
  .strictObject({ text: z.string() })
  .meta({ id: 'XPayload', description: 'X (Twitter): fits 280 by twitter-text weighting' });
export const mastodonPayloadSchema = z.strictObject({ status: z.string() }).meta({
  id: 'MastodonPayload',
  description: 'Mastodon: fits the instance limit (MASTODON_MAX_CHARS, URLs counted as MASTODON_URL_LENGTH)',
});

const blueskyFacetFeature = z.discriminatedUnion('$type', [
  z.strictObject({ $type: z.literal('app.bsky.richtext.facet#link'), uri: z.string() }),
  z.strictObject({ $type: z.literal('app.bsky.richtext.facet#tag'), tag: z.string() }),
  z
    .strictObject({ $type: z.literal('app.bsky.richtext.facet#mention'), did: z.string() })
    .meta({ description: 'The author\'s Bluesky account (its DID) on the "@handle" of the text' }),
]);

export const blueskyPayloadSchema = z
  .strictObject({
    text: z.string(),
    facets: z.array(
      z.strictObject({
        index: z
          .strictObject({ byteStart: z.int().min(0), byteEnd: z.int().min(0) })
          .meta({ description: 'UTF-8 byte offsets into text' }),
        features: z.array(blueskyFacetFeature),
      }),
    ),
    embed: z.strictObject({
      $type: z.literal('app.bsky.embed.external'),
      external: z.strictObject({
        uri: z.string(),
        title: z.string(),
        description: z.string(),
        thumb: z.string().optional(),
      }),
    }),
  })
  .meta({
    id: 'BlueskyPayload',
    description: 'Bluesky app.bsky.feed.post fields: 300 graphemes, facets at UTF-8 byte offsets, an external card',
  });

export const linkedInPayloadSchema = z
  .strictObject({
    commentary: z.string(),
    content: z.strictObject({
      article: z.strictObject({ source: z.string(), title: z.string(), description: z.string() }),
    }),
  })
  .meta({
    id: 'LinkedInPayload',
    description: 'LinkedIn Posts API article share; commentary in "little text" with reserved characters escaped',
  });

export const facebookPayloadSchema = z
  .strictObject({ message: z.string(), link: z.string() })
  .meta({ id: 'FacebookPayload', description: 'Facebook Graph API feed post' });

export const threadsPayloadSchema = z
  .strictObject({ text: z.string() })
  .meta({ id: 'ThreadsPayload', description: 'Threads: 500 characters, at most 5 links' });

/** Each network's payload schema, by network. */
export const sharePayloadSchemas = {
  x: xPayloadSchema,
  mastodon: mastodonPayloadSchema,
  bluesky: blueskyPayloadSchema,
  linkedin: linkedInPayloadSchema,
  facebook: facebookPayloadSchema,
  threads: threadsPayloadSchema,
} as const;

export const sharePayloadsSchema = z
  .strictObject({
    x: xPayloadSchema.optional(),
    mastodon: mastodonPayloadSchema.optional(),
    bluesky: blueskyPayloadSchema.optional(),
    linkedin: linkedInPayloadSchema.optional(),
    facebook: facebookPayloadSchema.optional(),
    threads: threadsPayloadSchema.optional(),
  })
  .meta({
    id: 'SharePayloads',
    description: "One ready-to-post body per enabled network (SHARE_NETWORKS), in that network's own shape",
  });
export type SharePayloadsResource = z.infer<typeof sharePayloadsSchema>;

// The zod shapes and the core types are the same: each assignable to the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _payloadsMatchCore: Same<
  { [N in keyof SharePayloads]: z.infer<(typeof sharePayloadSchemas)[N]> },
  SharePayloads
> = true;
void _payloadsMatchCore;
