// Sharing: share payloads per network, webhook destinations (the admin API's service), and the
// signed Standard Webhooks deliveries with their attempt log.
export * from './shares/share-moment';
export * from './shares/share-publisher';
export * from './shares/bluesky-handles';
export * from './shares/webhook-delivery.worker';
export * from './webhooks/webhooks.schema';
export * from './webhooks/webhooks.resource';
export * from './webhooks/webhooks.service';
export { claimDeliveries, recordAttempts, webhookDeliveryStatements } from './shares/webhook-deliveries.repository';
