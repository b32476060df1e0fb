import { externalIdFor, wordpressDate } from './mapping';
import type { WxrComment, WxrItem } from './wxr-reader';

/** A WordPress comment ready for importApprovedComment (the post id is added once the post is saved). */
export interface MappedComment {
  /** `<site>/?p=<post>#comment-<id>`: the key that keeps a re-import from storing it twice. */
  externalId: string;
  /** externalId of the comment it replies to (an imported one), or null for a comment on the post. */
  parentExternalId: string | null;
  /** WordPress's `wp:comment_id`, for the summary. */
  wordpressId: string;
  name: string;
  email: string;
  url: string | null;
  /** As WordPress stored it; the comments service sanitizes it like any comment. */
  body: string;
  createdAt: string;
}

export interface MappedComments {
  /** Parents before their replies, then in file order. */
  comments: MappedComment[];
  /** One reason per comment not imported. */
  skipped: string[];
}

/** `https://career.example.edu/?p=12#comment-34`: unique per site, like a post's external id. */
export function commentExternalIdFor(siteUrl: string, postId: string, commentId: string): string {
  return `${externalIdFor(siteUrl, postId)}#comment-${commentId}`;
}

/** Why a comment is not imported, or null when it is an approved reader comment. */
function skipReason(comment: WxrComment): string | null {
  const type = comment.type.trim();
  if (type === 'pingback') return 'pingback';
  if (type === 'trackback') return 'trackback';
  if (type !== '' && type !== 'comment') return `comment type "${type}"`;
  if (comment.approved === '1') return null;
  if (comment.approved === '0') return 'not approved (pending moderation)';
  if (comment.approved === 'spam') return 'spam';
  if (comment.approved === 'trash' || comment.approved === 'post-trashed') return 'in the trash';
  return `unknown approval "${comment.approved}"`;
}

/**
 * An item's comments as what importApprovedComment takes: approved reader comments only (pingbacks,
 * trackbacks, pending, spam and trashed comments are counted as skipped), parents ordered before
 * their replies. A reply whose parent is not imported moves up to the nearest ancestor that is (or
 * to the post), as careerfeed does when a comment is deleted: an approved reply is not lost because
 * the comment it answered was spam. Pure.
 */
export function mapWxrComments(item: WxrItem, siteUrl: string): MappedComments {
  const skipped: string[] = [];
  const byId = new Map<string, WxrComment>();
  for (const comment of item.comments) if (/^\d+$/.test(comment.id)) byId.set(comment.id, comment);
  const accepted = new Map<string, Omit<MappedComment, 'parentExternalId'> & { parentId: string }>();
  for (const comment of item.comments) {
    const reason = skipReason(comment);
    if (reason) {
      skipped.push(reason);
      continue;
    }
    if (!/^\d+$/.test(comment.id)) {
      skipped.push('no wp:comment_id');
      continue;
    }
    if (accepted.has(comment.id)) {
      skipped.push('duplicate wp:comment_id');
      continue;
    }
    if (comment.oversized) {
      skipped.push('comment body too large');
      continue;
    }
    const date = wordpressDate(comment.dateGmt, comment.date);
    if (date === null || date === 'malformed') {
      skipped.push('malformed comment date');
      continue;
    }
    accepted.set(comment.id, {
      externalId: commentExternalIdFor(siteUrl, item.postId, comment.id),
      wordpressId: comment.id,
      name: comment.author,
      email: comment.authorEmail,
      url: comment.authorUrl === '' ? null : comment.authorUrl,
      body: comment.content,
      createdAt: date.replace(/Z$/, '.000Z'),
      parentId: comment.parent.trim(),
    });
  }

  // Nearest imported ancestor (a cycle in a hand-edited file ends at the post).
  const importedParentOf = (id: string): string | null => {
    const seen = new Set<string>([id]);
    let parent = accepted.get(id)?.parentId ?? '0';
    while (parent !== '0' && parent !== '' && !seen.has(parent)) {
      if (accepted.has(parent)) return parent;
      seen.add(parent);
      parent = byId.get(parent)?.parent.trim() ?? '0';
    }
    return null;
  };

  // Depth-first from the roots, children in file order: every parent comes before its replies.
  const children = new Map<string | null, string[]>();
  for (const id of accepted.keys()) {
    const parent = importedParentOf(id);
    children.set(parent, [...(children.get(parent) ?? []), id]);
  }
  const comments: MappedComment[] = [];
  const visit = (parent: string | null) => {
    for (const id of children.get(parent) ?? []) {
      const { parentId: _wordpressParent, ...rest } = accepted.get(id)!;
      comments.push({ ...rest, parentExternalId: parent === null ? null : accepted.get(parent)!.externalId });
      visit(id);
    }
  };
  visit(null);
  // Only a loop of parents in a hand-edited file leaves comments unvisited.
  for (let n = comments.length; n < accepted.size; n++) skipped.push('replies in a loop (wp:comment_parent)');
  return { comments, skipped };
}
