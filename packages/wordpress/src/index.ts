// WordPress → careerfeed: reading a WordPress export (WXR) as a stream, cleaning WordPress editor
// markup, mapping WordPress posts to posts-API input, the redirect map of the moved blog, and the
// mapping of the WordPress REST API used by partner sources of kind "wordpress".
export * from './wxr-reader';
export * from './markup';
export * from './mapping';
export * from './comment-mapping';
export * from './redirects';
export * from './import';
export * from './rest';
