// One module per queue: its name, payload schema, job ids and options, and its producer.
export * from './queues/post-events.queue';
export * from './queues/post-goes-live.queue';
export * from './queues/digests.queue';
export * from './queues/subscription-mails.queue';
export * from './queues/source-polls.queue';
export * from './queues/webhook-deliveries.queue';
export * from './queues/websub-pings.queue';
export * from './queues/comment-mails.queue';
export * from './redis';
export * from './feed-invalidation';
export * from './feed-urls';
export * from './outbox-nudge';
export * from './redis-settings';
export * from './feed-cache-refresh';
