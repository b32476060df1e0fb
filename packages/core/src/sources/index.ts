export * from './feed-items';
export * from './item-to-post';
export * from './poll-schedule';
