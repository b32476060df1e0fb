export * from './digest-model';
export { selectDigestPosts, type DigestWindow } from './select-posts';
export {
  createDigestRenderer,
  DEFAULT_MAX_POSTS,
  MORE_LIKE_THIS,
  describeTopics,
  digestSubject,
  moreLikeThis,
} from './digest.renderer';
export { renderConfirmationMail, type ConfirmationMailInput } from './confirmation.mail';
export { MAX_SUBJECT_LENGTH, TEXT_WIDTH, sanitizeHeaderText, wrapText } from './mail-text';
