import type { CommentRow, CommentStatus } from '@careerfeed/db';

export const COMMENT_STATUSES = ['pending', 'approved', 'spam', 'trash'] as const satisfies readonly CommentStatus[];
export type { CommentStatus };

/** Replies nest at most this deep (0 is a comment on the post): deeper threads are unreadable on a phone. */
export const MAX_DEPTH = 4;
/** Beyond this many links a body is refused outright (a link list, not a comment). */
export const MAX_LINKS = 20;
/** More links than this and a comment is filed as spam on arrival (WordPress holds at 2 by default). */
export const MAX_LINKS_BEFORE_SPAM = 2;

/** What readers see of an approved comment. The email address is never part of it. */
export interface PublicComment {
  id: string;
  parentId: string | null;
  depth: number;
  authorName: string;
  authorUrl: string | null;
  bodyHtml: string;
  /** ISO 8601 UTC. */
  createdAt: string;
}

/** What staff see when moderating: everything, with the post it is on. */
export interface ModerationComment extends PublicComment {
  status: CommentStatus;
  authorEmail: string;
  spamReason: string | null;
  post: { id: string; slug: string; title: string; url: string };
  updatedAt: string;
  approvedAt: string | null;
}

export function toPublicComment(row: CommentRow): PublicComment {
  return {
    id: row.id,
    parentId: row.parent_id,
    depth: row.depth,
    authorName: row.author_name,
    authorUrl: row.author_url,
    bodyHtml: row.body_html,
    createdAt: row.created_at,
  };
}

/** A thread: a comment and its replies, oldest first at every level. */
export interface CommentThread {
  comment: PublicComment;
  replies: CommentThread[];
}

/** Oldest-first comments → threads. A reply whose parent is not shown (not approved) is left out with its subtree. */
export function buildThreads(comments: PublicComment[]): CommentThread[] {
  const nodes = new Map(comments.map((c) => [c.id, { comment: c, replies: [] as CommentThread[] }]));
  const roots: CommentThread[] = [];
  for (const node of nodes.values()) {
    const parentId = node.comment.parentId;
    if (parentId === null) roots.push(node);
    else nodes.get(parentId)?.replies.push(node);
  }
  return roots;
}

/** How many comments the threads show (orphans excluded): the count printed above them. */
export function countThreads(threads: CommentThread[]): number {
  return threads.reduce((n, t) => n + 1 + countThreads(t.replies), 0);
}
