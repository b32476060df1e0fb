import { z } from 'zod';
import { COMMENT_STATUSES, type ModerationComment } from './comment-model';
import type { CommentList } from './comments.service';

/** The moderation API's shapes (ingest `/v1/comments`): request schemas and the resource answers are typed from. */

export const commentStatusSchema = z.enum(COMMENT_STATUSES, {
  message: `must be one of ${COMMENT_STATUSES.join(', ')}`,
});

export const listCommentsQuerySchema = z.strictObject({
  status: commentStatusSchema.optional(),
  post_id: z.uuid({ message: 'must be a post id' }).optional(),
  cursor: z.uuid({ message: 'must be the next_cursor of a previous page' }).optional(),
  limit: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .optional(),
});

export const updateCommentSchema = z.strictObject({ status: commentStatusSchema });

export const commentResourceSchema = z
  .object({
    id: z.uuid(),
    status: commentStatusSchema,
    post: z.object({ id: z.uuid(), slug: z.string(), title: z.string(), url: z.string() }),
    parent_id: z.uuid().nullable(),
    depth: z.int(),
    author_name: z.string(),
    author_email: z.string(),
    author_url: z.string().nullable(),
    body_html: z.string().meta({ description: 'Sanitized HTML (the comment allowlist)' }),
    spam_reason: z
      .string()
      .nullable()
      .meta({ description: 'Why it was filed as spam on arrival: honeypot, too-fast or links' }),
    created_at: z.string(),
    updated_at: z.string(),
    approved_at: z.string().nullable(),
  })
  .meta({ id: 'Comment' });
export type CommentResource = z.infer<typeof commentResourceSchema>;

export const commentPageSchema = z
  .object({
    items: z.array(commentResourceSchema),
    counts: z.object({ pending: z.int(), approved: z.int(), spam: z.int(), trash: z.int() }),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'CommentPage' });
export type CommentPageResource = z.infer<typeof commentPageSchema>;

export function toCommentResource(c: ModerationComment): CommentResource {
  return {
    id: c.id,
    status: c.status,
    post: c.post,
    parent_id: c.parentId,
    depth: c.depth,
    author_name: c.authorName,
    author_email: c.authorEmail,
    author_url: c.authorUrl,
    body_html: c.bodyHtml,
    spam_reason: c.spamReason,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    approved_at: c.approvedAt,
  };
}

export function toCommentPage(list: CommentList): CommentPageResource {
  return { items: list.items.map(toCommentResource), counts: list.counts, next_cursor: list.nextCursor };
}
