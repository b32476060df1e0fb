import { z } from 'zod';
import { NETWORKS } from '@careerfeed/core';
import { httpUrl, pageLimit } from '@careerfeed/posts';

const networks = z
  .array(z.enum(NETWORKS, { message: `must be one of ${NETWORKS.join(', ')}` }), {
    message: 'must be a list of networks',
  })
  .min(1, 'must name at least one network')
  .max(NETWORKS.length, `at most ${NETWORKS.length} networks`)
  .refine((list) => new Set(list).size === list.length, 'must not repeat a network');

/** POST /v1/webhooks. Without `networks` the destination gets every network. */
export const createWebhookSchema = z.strictObject({ url: httpUrl, networks: networks.optional() });
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

/** PATCH /v1/webhooks/{id}: any subset; `enabled: true` re-enables a destination disabled by a 410. */
export const updateWebhookSchema = z
  .strictObject({
    url: httpUrl.optional(),
    networks: networks.optional(),
    enabled: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'must change at least one of url, networks, enabled',
    // Only for an otherwise valid body: an unknown field alone should be named alone.
    when: (payload) => payload.issues.length === 0,
  });
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;

/** POST /v1/webhooks/{id}/rotate-secret: an empty body (or none) keeps the default 24 h overlap. */
export const rotateWebhookSecretSchema = z.strictObject({
  overlap_seconds: z
    .int({ message: 'must be a whole number of seconds' })
    .min(0, 'must be between 0 (no overlap) and 604800 (7 days)')
    .max(604_800, 'must be between 0 (no overlap) and 604800 (7 days)')
    .optional(),
});
export type RotateWebhookSecretInput = z.infer<typeof rotateWebhookSecretSchema>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

export const listDeliveriesQuerySchema = z.strictObject({
  status: z.enum(DELIVERY_STATUSES, { message: `must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  limit: pageLimit,
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a next_cursor from an earlier page')
    .optional(),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuerySchema>;
