export * from './tokens';
export * from './schedule';
export * from './links';
export * from './mail-ids';
export * from './already-subscribed.mail';
export * from './preferences';
