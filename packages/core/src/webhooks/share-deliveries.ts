import type { Network, SharePayloads } from '../share/share.types';
import { shareMessageId } from './standard-webhooks';

/** The event type of every share webhook (the body's `type`). */
export const SHARE_WEBHOOK_TYPE = 'share.payload.created';

export interface ShareDestination {
  id: string;
  /** The networks this destination wants. */
  networks: readonly Network[];
  /** False after a 410 Gone or when an operator disabled it. */
  enabled: boolean;
}

export interface PlannedShareDelivery {
  messageId: string;
  destinationId: string;
  network: Network;
}

/**
 * The webhook messages a post makes when it is first shared: one per enabled destination and per
 * network that destination wants and that has a payload (networks not enabled for the instance
 * have none). Deterministic ids, so planning twice plans the same messages.
 */
export function planShareDeliveries(
  postId: string,
  payloadNetworks: readonly Network[],
  destinations: readonly ShareDestination[],
): PlannedShareDelivery[] {
  const available = new Set(payloadNetworks);
  return destinations
    .filter((destination) => destination.enabled)
    .flatMap((destination) =>
      [...new Set(destination.networks)]
        .filter((network) => available.has(network))
        .map((network) => ({
          messageId: shareMessageId(destination.id, postId, network),
          destinationId: destination.id,
          network,
        })),
    );
}

export interface ShareWebhookBody<N extends Network = Network> {
  type: typeof SHARE_WEBHOOK_TYPE;
  /** When the message was created (ISO 8601); the same on every attempt. */
  timestamp: string;
  data: { post_id: string; post_url: string; network: N; payload: SharePayloads[N] };
}

/**
 * The body of one share message, fixed when the message is created: every attempt sends the same
 * bytes (only the `webhook-timestamp` and signature headers change), so a receiver that
 * de-duplicates on `webhook-id` never sees two versions of one message.
 */
export function shareWebhookBody<N extends Network>(input: {
  postId: string;
  postUrl: string;
  network: N;
  payload: SharePayloads[N];
  createdAt: Date;
}): string {
  const body: ShareWebhookBody<N> = {
    type: SHARE_WEBHOOK_TYPE,
    timestamp: input.createdAt.toISOString(),
    data: { post_id: input.postId, post_url: input.postUrl, network: input.network, payload: input.payload },
  };
  return JSON.stringify(body);
}
