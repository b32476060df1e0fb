import { z } from 'zod';
import { NETWORKS, SHARE_WEBHOOK_TYPE } from '@careerfeed/core';
import { nextCursorSchema, sharePayloadSchemas } from '@careerfeed/posts';
import { DELIVERY_STATUSES } from './webhooks.schema';

/**
 * What the webhooks API answers, and the share messages careerfeed sends to a destination, as zod.
 * `WebhookResource` and `DeliveryResource` are inferred from these.
 */

const timestamp = z.iso.datetime({ offset: true });

/** What became of one webhook attempt (see the Delivery schema). */
export const ATTEMPT_OUTCOMES = ['delivered', 'failed', 'unknown'] as const;

export const webhookResourceSchema = z
  .strictObject({
    id: z.uuid(),
    url: z.url(),
    networks: z.array(z.enum(NETWORKS)),
    enabled: z.boolean(),
    disabled_reason: z
      .enum(['gone', 'operator'])
      .nullable()
      .meta({ description: '"gone": the receiver answered 410; "operator": disabled by PATCH; null while enabled' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Webhook', description: 'A webhook destination' });
export type WebhookResource = z.infer<typeof webhookResourceSchema>;

export const createdWebhookSchema = webhookResourceSchema
  .extend({
    secret: z
      .string()
      .regex(/^whsec_/)
      .meta({ description: 'The signing secret: only in the answer to the POST that created the destination' }),
  })
  .meta({ id: 'CreatedWebhook', description: 'A new webhook destination, with its signing secret' });
export type CreatedWebhookResource = z.infer<typeof createdWebhookSchema>;

export const rotatedWebhookSchema = webhookResourceSchema
  .extend({
    secret: z
      .string()
      .regex(/^whsec_/)
      .meta({ description: 'The new signing secret: only in this answer' }),
    previous_secret_expires_at: timestamp.nullable().meta({
      description:
        'Until when deliveries are also signed with the replaced secret (a second v1 entry in webhook-signature); null without overlap',
    }),
  })
  .meta({ id: 'RotatedWebhook', description: 'A webhook destination with its new signing secret' });
export type RotatedWebhookResource = z.infer<typeof rotatedWebhookSchema>;

export const webhookListSchema = z.strictObject({ items: z.array(webhookResourceSchema) }).meta({ id: 'WebhookList' });

export const deliveryResourceSchema = z
  .strictObject({
    id: z.string().meta({ description: 'The Standard Webhooks message id (`webhook-id`)' }),
    post_id: z.string(),
    network: z.enum(NETWORKS),
    status: z.enum(DELIVERY_STATUSES).meta({ description: '"failed": retries exhausted (a dead letter)' }),
    attempts: z.array(
      z.strictObject({
        attempted_at: timestamp,
        outcome: z.enum(ATTEMPT_OUTCOMES).meta({
          description:
            '"delivered": a 2xx came; "failed": another answer, or none (see error); "unknown": no outcome was ' +
            'recorded: the attempt is under way, or the worker stopped during it, and the receiver may or may not ' +
            'have the message (a later attempt sends it again with the same webhook-id)',
        }),
        status_code: z.int().nullable().meta({ description: "The receiver's status; null when no answer came" }),
        duration_ms: z.number().min(0).nullable().meta({ description: 'null while the outcome is "unknown"' }),
        error: z.string().nullable(),
      }),
    ),
    last_error: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    delivered_at: timestamp.nullable(),
  })
  .meta({ id: 'Delivery', description: 'One share message to one destination, with its attempt log' });
export type DeliveryResource = z.infer<typeof deliveryResourceSchema>;

export const deliveryPageSchema = z
  .strictObject({ items: z.array(deliveryResourceSchema), next_cursor: nextCursorSchema })
  .meta({ id: 'DeliveryPage', description: 'One page of deliveries, newest first' });
export type DeliveryPage = z.infer<typeof deliveryPageSchema>;

/** The body careerfeed POSTs for one network (shareWebhookBody in packages/core). */
function shareMessageSchema<N extends (typeof NETWORKS)[number]>(network: N, id: string) {
  return z
    .strictObject({
      type: z.literal(SHARE_WEBHOOK_TYPE),
      timestamp: timestamp.meta({ description: 'When the message was created; the same on every attempt' }),
      data: z.strictObject({
        post_id: z.string(),
        post_url: z.url(),
        network: z.literal(network),
        payload: sharePayloadSchemas[network],
      }),
    })
    .meta({ id, description: `A share message for ${network}: the body is the same bytes on every attempt` });
}

export const shareMessageSchemas = {
  x: shareMessageSchema('x', 'ShareMessageX'),
  mastodon: shareMessageSchema('mastodon', 'ShareMessageMastodon'),
  bluesky: shareMessageSchema('bluesky', 'ShareMessageBluesky'),
  linkedin: shareMessageSchema('linkedin', 'ShareMessageLinkedIn'),
  facebook: shareMessageSchema('facebook', 'ShareMessageFacebook'),
  threads: shareMessageSchema('threads', 'ShareMessageThreads'),
} as const;
