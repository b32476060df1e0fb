export * from './post-events';
export * from './redis';
