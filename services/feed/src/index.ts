export { createFeedApp } from './app';
