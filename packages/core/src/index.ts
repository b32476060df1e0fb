export * from './text';
export * from './slug';
export * from './sanitize';
export * from './plain-text';
export * from './errors';
export * from './dates';
