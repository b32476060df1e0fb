import fs from 'node:fs';
import { AppError } from '@careerfeed/core';
import { importApprovedCommentOnce } from '@careerfeed/comments';
import { type PostsDeps, createPostsBatch, postUrl, upsertAuthor } from '@careerfeed/posts';
import { type MappedComments, mapWxrComments } from './comment-mapping';
import { type MappedItem, type MappingContext, mapWxrItem } from './mapping';
import { type Redirect, permalinkPath } from './redirects';
import { type WxrAuthor, type WxrChannel, WxrError, type WxrItem, readWxr } from './wxr-reader';

export interface WordPressImportProgress {
  /** `checking`: the whole file is read once (well-formed, a WXR, attachments) before anything is written. */
  phase: 'checking' | 'importing';
  bytesRead: number;
  totalBytes: number;
  /** Items (of every type) read so far in this phase. */
  items: number;
}

export interface SkippedPost {
  postId: string;
  title: string;
  reason: string;
  detail?: string;
}

export interface SkippedComment {
  postId: string;
  commentId: string;
  reason: string;
  detail?: string;
}

export interface CommentsImportSummary {
  /** Approved comments stored now. */
  imported: number;
  /** Approved comments found from an earlier import of the same site (nothing written). */
  unchanged: number;
  /** Comments of imported posts not imported, by reason (pingbacks, pending, spam, …). */
  skipped: { reason: string; count: number }[];
  /** The approved comments among them that the comments rules refused, one by one. */
  failed: SkippedComment[];
}

export interface WordPressImportSummary {
  site: string;
  version: string;
  /** New posts. */
  imported: number;
  /** Posts imported before whose content changed since. */
  updated: number;
  /** Posts imported before and unchanged. */
  unchanged: number;
  /** Every item not imported, counted by reason (pages, revisions … and posts that failed). */
  skipped: { reason: string; count: number }[];
  /** The posts among them that failed (not pages, revisions or trash), one by one. */
  failed: SkippedPost[];
  authors: number;
  /** Old permalink path → new address, for every imported post readers can see. */
  redirects: Redirect[];
  /** The approved comments of imported posts. */
  comments: CommentsImportSummary;
}

/**
 * Posts per transaction: enough that commits stop mattering; and at most this much body text held
 * at once, so a batch of large posts does not undo the streaming.
 */
const BATCH_SIZE = 100;
const BATCH_CHARS = 4 * 1024 * 1024;

export interface ImportOptions {
  onProgress?: (progress: WordPressImportProgress) => void;
}

/**
 * Imports a WordPress export file through the posts service (so the API's validation, sanitizer,
 * slug rules and outbox events apply to every post). Two passes over the file, each streaming:
 * the first checks that the whole file is a well-formed WXR and collects what posts refer to
 * (authors, attachment URLs for featured images, which usually come after the posts that use
 * them); only then does the second write. A file refused by the first pass writes nothing.
 * Idempotent: posts are keyed by the site and WordPress post id, and an unchanged post is not
 * written again.
 */
export async function importWordPressExport(
  deps: PostsDeps,
  file: string,
  options: ImportOptions = {},
): Promise<WordPressImportSummary> {
  let totalBytes: number;
  try {
    totalBytes = fs.statSync(file).size;
  } catch (error) {
    throw new WxrError('UNREADABLE', `cannot read ${file}: ${(error as Error).message}`);
  }
  const report = (phase: WordPressImportProgress['phase'], bytesRead: number, items: number) =>
    options.onProgress?.({ phase, bytesRead, totalBytes, items });

  // Pass 1: check and index.
  let channel: WxrChannel | undefined;
  const attachments = new Map<string, string>();
  // Ordinals of the items that are not posts: their bodies are not read in the second pass.
  const notPosts = new Set<number>();
  let checked = 0;
  let bytesChecked = 0;
  for await (const event of readWxr(file, { skipBodies: true, onBytes: (n) => (bytesChecked = n) })) {
    if (event.type === 'channel') {
      channel = event.channel;
      continue;
    }
    const { item } = event;
    if (item.postType !== 'post') notPosts.add(checked);
    checked++;
    if (item.postType === 'attachment' && item.attachmentUrl) attachments.set(item.postId, item.attachmentUrl);
    if (checked % 200 === 0) report('checking', bytesChecked, checked);
  }
  report('checking', totalBytes, checked);
  if (!channel) throw new WxrError('NOT_WXR', 'not a WordPress export (WXR): it has no <channel>');
  const siteUrl = channel.baseSiteUrl || channel.baseBlogUrl || channel.link;
  if (!isHttpUrl(siteUrl)) {
    throw new WxrError(
      'NOT_WXR',
      'not a WordPress export (WXR): it names no site address (wp:base_site_url), which keeps re-imports from duplicating posts',
    );
  }

  const context: MappingContext = {
    siteUrl,
    authors: new Map<string, WxrAuthor>(channel.authors.map((a) => [a.login, a])),
    attachments,
    fallbackAuthorName: channel.title || new URL(siteUrl).host,
  };
  const summary: WordPressImportSummary = {
    site: siteUrl,
    version: channel.version,
    imported: 0,
    updated: 0,
    unchanged: 0,
    skipped: [],
    failed: [],
    authors: 0,
    redirects: [],
    comments: { imported: 0, unchanged: 0, skipped: [], failed: [] },
  };
  const commentsSkipped = new Map<string, number>();
  const skipComment = (reason: string) => commentsSkipped.set(reason, (commentsSkipped.get(reason) ?? 0) + 1);
  // No feed announcements per comment: an import runs from the CLI, and feed caches expire on their TTL.
  const commentsDeps = { db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now };
  const importComments = async (item: WxrItem, postId: string, mapped: MappedComments) => {
    for (const reason of mapped.skipped) skipComment(reason);
    // externalId → the comment's id here, for its replies.
    const ids = new Map<string, string>();
    for (const comment of mapped.comments) {
      try {
        const result = await importApprovedCommentOnce(commentsDeps, {
          postId,
          // A parent the rules refused: its replies move up to the post rather than being lost.
          parentId: comment.parentExternalId ? (ids.get(comment.parentExternalId) ?? null) : null,
          name: comment.name,
          email: comment.email,
          url: comment.url,
          body: comment.body,
          createdAt: comment.createdAt,
          externalId: comment.externalId,
        });
        ids.set(comment.externalId, result.id);
        if (result.created) summary.comments.imported++;
        else summary.comments.unchanged++;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        skipComment('refused by the comments rules');
        summary.comments.failed.push({
          postId: item.postId,
          commentId: comment.wordpressId,
          reason: 'refused by the comments rules',
          detail: error.message,
        });
      }
    }
  };
  const skippedByReason = new Map<string, number>();
  const authorsSeen = new Set<string>();
  const authorsWritten = new Set<string>();
  const skip = (reason: string) => skippedByReason.set(reason, (skippedByReason.get(reason) ?? 0) + 1);

  // Pass 2: import, BATCH_SIZE posts per transaction (each post still saved as createPost saves it;
  // a post the service refuses is rolled back to its own savepoint and reported).
  const pending: { item: WxrItem; mapped: Extract<MappedItem, { kind: 'post' }>; comments: MappedComments }[] = [];
  let pendingChars = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    pendingChars = 0;
    const results = await createPostsBatch(
      deps,
      batch.map(({ mapped }) => mapped.input),
    );
    for (const [index, result] of results.entries()) {
      const { item, mapped, comments } = batch[index]!;
      if (!result) continue;
      if (!result.ok) {
        // The post's own fault (its slug is taken by another post, …): skipped and reported.
        skip('refused by the posts API');
        summary.failed.push({
          postId: item.postId,
          title: item.title.trim(),
          reason: 'refused by the posts API',
          detail: result.error.message,
        });
        continue;
      }
      const saved = result.saved;
      if (saved.created) summary.imported++;
      else if (saved.changed) summary.updated++;
      else summary.unchanged++;
      authorsSeen.add(saved.post.author.slug);
      const from = mapped.visible && mapped.permalink ? permalinkPath(mapped.permalink) : null;
      if (from) summary.redirects.push({ from, to: postUrl(deps.publicBaseUrl, saved.post.slug) });
      await importComments(item, saved.post.id, comments);
    }
  };
  let items = 0;
  let bytesImported = 0;
  for await (const event of readWxr(file, {
    onBytes: (n) => (bytesImported = n),
    skipBodyOf: (ordinal) => notPosts.has(ordinal),
  })) {
    if (event.type !== 'item') continue;
    items++;
    if (items % 50 === 0) report('importing', bytesImported, items);
    const { item } = event;
    const mapped = mapWxrItem(item, context);
    if (mapped.kind === 'skipped') {
      skip(mapped.reason);
      if (mapped.problem) {
        summary.failed.push({
          postId: item.postId,
          title: item.title.trim(),
          reason: mapped.reason,
          ...(mapped.detail ? { detail: mapped.detail } : {}),
        });
      }
      continue;
    }
    // Each author is written once per import, then named by slug (one lookup per post, not an upsert).
    const { author } = mapped.input;
    if (typeof author !== 'string') {
      if (!authorsWritten.has(author.slug)) {
        await upsertAuthor(deps.db.kysely, author, (deps.now?.() ?? new Date()).toISOString());
        authorsWritten.add(author.slug);
      }
      mapped.input.author = author.slug;
    }
    const comments = mapWxrComments(item, siteUrl);
    // The comments are mapped: their raw text is not held until the batch is written.
    item.comments = [];
    pending.push({ item, mapped, comments });
    pendingChars += mapped.input.html.length + comments.comments.reduce((n, c) => n + c.body.length, 0);
    if (pending.length >= BATCH_SIZE || pendingChars >= BATCH_CHARS) await flush();
  }
  await flush();
  report('importing', totalBytes, items);
  summary.authors = authorsSeen.size;
  summary.comments.skipped = [...commentsSkipped]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count);
  summary.skipped = [...skippedByReason]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count);
  return summary;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
