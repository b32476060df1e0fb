export * from './tokens';
export * from './schedule';
export * from './links';
export * from './preferences';
