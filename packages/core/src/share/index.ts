export * from './share.types';
export { addUtmParams } from './utm';
export { tagsToHashtags } from './hashtags';
export { escapeLittleText, unescapeLittleText } from './linkedin-text';
export { blueskyLength, mastodonLength, threadsLength, threadsLinkCount, xLength } from './counters';
export {
  buildBlueskyPayload,
  buildFacebookPayload,
  buildLinkedInPayload,
  buildMastodonPayload,
  buildSharePayload,
  buildSharePayloads,
  buildSharePayloadsFor,
  buildThreadsPayload,
  buildXPayload,
  BLUESKY_DID,
} from './build-share-payload';
export { authorHandlesFromLinks } from './author-handles';
