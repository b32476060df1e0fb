export * from './problems';
export * from './observability';
export * from './runtime';
