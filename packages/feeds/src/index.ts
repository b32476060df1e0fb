// Feeds as readers' software fetches them: the visible posts of a scope rendered as RSS, Atom or
// JSON Feed, and the cache of rendered answers every feed-service instance keeps.
export * from './feed-cache';
export * from './feeds.service';
export * as feedsRepository from './feeds.repository';
export { type FeedPostRow, selectVisiblePosts } from './feeds.repository';
export * as topicsRepository from './topics.repository';
export * as siteMapRepository from './site-map.repository';
