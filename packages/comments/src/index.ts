// Comments: readers' replies to posts, their moderation, comment feeds and comment mails.
export * from './comment-model';
export * from './comment-body';
export {
  parseCommentInput,
  commentInputSchema,
  HONEYPOT_FIELD,
  BODY_MAX_LENGTH,
  type CommentInput,
} from './comment-input';
export * from './form-token';
export * from './reply-links';
export * from './comment-rate-limits';
export * from './comment-token-key';
export * from './feed-changes';
export * from './comments-section';
export * from './comment-feed';
export * from './comments.service';
export { countApprovedComments } from './comments.repository';
export * from './comments.resource';
export * from './comment-mails';
export * from './comment-mails.worker';
