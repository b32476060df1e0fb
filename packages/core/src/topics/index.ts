export * from './topic-directory';
