export * from './post-events';
export * from './redis';
export * from './feed-invalidation';
export * from './subscriptions';
export * from './scheduled-publishing';
export * from './feed-urls';
export * from './websub';
export * from './webhooks';
