export * from './feed-model';
export { renderRss } from './rss.renderer';
export { renderAtom } from './atom.renderer';
export { renderJsonFeed } from './json-feed.renderer';
