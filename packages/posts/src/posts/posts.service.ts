import { createHash } from 'node:crypto';
import {
  AppError,
  NETWORKS,
  cleanLine,
  cleanText,
  htmlToPlainText,
  excerptFromPlainText,
  makeExcerpt,
  countWords,
  nowTimestamp,
  parseRfc3339,
  sanitizePostHtml,
  slugify,
  withSuffix,
} from '@careerfeed/core';
import {
  type AuthorRow,
  type Database,
  type Db,
  type Kysely,
  type PostRow,
  isUniqueViolation,
  sql,
  uuidv7,
} from '@careerfeed/db';
import { type PostEvent, type PostEventType, type PostSnapshot } from '@careerfeed/jobs';
import * as authorsRepo from '../authors/authors.repository';
import { authorRowToResource, upsertAuthor } from '../authors/authors.service';
import { insertOutboxEvent } from '../outbox/outbox.repository';
import type { CreatePostInput, ListPostsQuery, UpdatePostInput } from './posts.schema';
import * as postsRepo from './posts.repository';
import { insertTombstone, isPartnerSource } from '../sources/tombstones.repository';
import type { PostPage, PostResource } from './posts.resource';
import { postUrl } from './post-url';

export interface PostsDeps {
  db: Db;
  /** The HTTP request making the change, recorded in its events (ingest sets it per request). */
  requestId?: string;
  publicBaseUrl: string;
  now?: () => Date;
  /** Called after a transaction that wrote outbox events has committed (the relay wakes up). */
  onEventsWritten?: () => void;
}

export type { PostResource } from './posts.resource';

export interface SaveResult {
  post: PostResource;
  /** true: a new post; false: an existing one (updated, or unchanged when `changed` is false). */
  created: boolean;
  changed: boolean;
}

const SLUG_MAX = 80;
const SLUG_BATCH = 20;
const API_SOURCE = 'api';

/**
 * Creates a post, or — when `external_id` is given — creates or replaces the post with that
 * `(source, external_id)`, so a client can re-send its whole catalogue and only changes are stored.
 */
export function createPost(deps: PostsDeps, input: CreatePostInput): Promise<SaveResult> {
  return savePost(deps, input, byExternalId(input));
}

/** One slot of a batch: the saved post, or the client error that kept this item out. */
export type BatchItemResult = { ok: true; saved: SaveResult } | { ok: false; error: AppError };

/**
 * Saves many posts in one transaction, each as `createPost` would (an `external_id` makes it an
 * upsert). An item the client got wrong (unknown author, slug taken, bad date…) is rolled back to
 * its own savepoint and reported in its slot; the others commit together. Any other failure (the
 * database went away) rolls back the whole batch, so a retry of the same request is safe.
 * `null` entries are items the caller already refused; their slots stay empty here.
 */
export function createPostsBatch(
  deps: PostsDeps,
  inputs: (CreatePostInput | null)[],
): Promise<(BatchItemResult | null)[]> {
  return inTransactionWithRetry(deps, async (db) => {
    const results: (BatchItemResult | null)[] = [];
    for (const [index, input] of inputs.entries()) {
      if (input === null) {
        results.push(null);
        continue;
      }
      const savepoint = sql.raw(`batch_item_${index}`);
      await sql`savepoint ${savepoint}`.execute(db);
      try {
        results.push({ ok: true, saved: await saveWithin(deps, db, input, byExternalId(input)) });
        await sql`release savepoint ${savepoint}`.execute(db);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await sql`rollback to savepoint ${savepoint}`.execute(db);
        results.push({ ok: false, error });
      }
    }
    return results;
  });
}

/** The CLI import: idempotent by slug, so importing the same file twice changes nothing. */
export function importPost(deps: PostsDeps, input: CreatePostInput & { slug: string }): Promise<SaveResult> {
  return savePost(deps, input, (db) => postsRepo.findPostBySlug(db, input.slug));
}

export async function getPost(deps: PostsDeps, id: string): Promise<PostResource> {
  const row = await postsRepo.findPostById(deps.db.kysely, id);
  if (!row) throw notFound(id);
  return (await toResources(deps, deps.db.kysely, [row]))[0]!;
}

/**
 * The stored share payloads of a post, keyed by network in each network's own body shape. The
 * worker writes them when the post becomes visible (and rewrites them on every edit); a post that
 * exists but readers cannot see yet (draft, scheduled), or whose payloads the worker has not built
 * yet, has none: 404 with code SHARE_PAYLOADS_NOT_READY, so clients can tell it from an unknown id.
 */
export async function getSharePayloads(deps: PostsDeps, id: string): Promise<Record<string, unknown>> {
  const rows = await postsRepo.findSharePayloads(deps.db.kysely, id);
  if (rows.length === 0) {
    if (!(await postsRepo.findPostById(deps.db.kysely, id))) throw notFound(id);
    throw new AppError({
      code: 'SHARE_PAYLOADS_NOT_READY',
      status: 404,
      detail:
        'This post has no share payloads: it is not visible to readers yet (draft or scheduled), or was just published',
    });
  }
  const byNetwork = new Map(rows.map((r) => [r.network, JSON.parse(r.payload) as unknown]));
  // In the order of NETWORKS, whatever order the database returned.
  return Object.fromEntries(NETWORKS.filter((n) => byNetwork.has(n)).map((n) => [n, byNetwork.get(n)]));
}

export async function listPosts(deps: PostsDeps, query: ListPostsQuery): Promise<PostPage> {
  const db = deps.db.kysely;
  const beforeId = query.cursor ? decodeCursor(query.cursor) : undefined;
  let authorId: string | undefined;
  if (query.author) {
    const author = await authorsRepo.findAuthorBySlug(db, query.author);
    if (!author) return { items: [], next_cursor: null };
    authorId = author.id;
  }
  const rows = await postsRepo.listPosts(db, {
    beforeId,
    limit: query.limit + 1,
    status: query.status,
    authorId,
    tag: query.tag,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: await toResources(deps, db, page),
    next_cursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
  };
}

/** The console's list: title search, state and topic filters, numbered pages. */
export async function searchPostsForStaff(
  deps: PostsDeps,
  search: Omit<postsRepo.StaffPostSearch, 'nowUtc'>,
): Promise<{ items: PostResource[]; total: number }> {
  const { rows, total } = await postsRepo.searchPostsForStaff(deps.db.kysely, { ...search, nowUtc: now(deps).utc });
  return { items: await toResources(deps, deps.db.kysely, rows), total };
}

/** Topics to suggest while writing (most used first) and the categories in use. */
export async function listTopicSuggestions(
  deps: PostsDeps,
): Promise<{ tags: { slug: string; name: string; posts: number }[]; categories: string[] }> {
  const tags = await postsRepo.listTagsWithCounts(deps.db.kysely);
  return {
    tags: tags.map((t) => ({ slug: t.slug, name: t.name, posts: Number(t.posts) })),
    categories: await postsRepo.listCategories(deps.db.kysely),
  };
}

export function updatePost(deps: PostsDeps, id: string, patch: UpdatePostInput): Promise<SaveResult> {
  return inTransactionWithRetry(deps, async (db) => {
    const existing = await postsRepo.findPostById(db, id);
    if (!existing) throw notFound(id);
    const tags = patch.tags ?? (await postsRepo.findTagsOfPosts(db, [id])).get(id) ?? [];
    const author =
      patch.author === undefined ? await authorOf(db, existing) : await resolveAuthor(db, patch.author, now(deps));
    const input: CreatePostInput = {
      title: patch.title ?? existing.title,
      html: patch.html ?? existing.html,
      author: author.slug,
      tags,
      category: patch.category === undefined ? existing.category : patch.category,
      published_at: patch.published_at === undefined ? existing.published_at : patch.published_at,
      status: patch.status ?? existing.status,
      slug: patch.slug ?? existing.slug,
      canonical_url: patch.canonical_url === undefined ? existing.canonical_url : patch.canonical_url,
      image: patch.image === undefined ? existing.image : patch.image,
      // A derived excerpt must follow the new text; only one the client wrote sticks.
      excerpt: patch.excerpt !== undefined ? patch.excerpt : hasOwnExcerpt(existing) ? existing.excerpt : undefined,
    };
    return writePost(deps, db, input, author, existing);
  });
}

export async function deletePost(deps: PostsDeps, id: string): Promise<void> {
  await inTransactionWithRetry(deps, async (db) => {
    const existing = await postsRepo.findPostById(db, id);
    if (!existing) throw notFound(id);
    const before = await snapshotOf(db, existing);
    await postsRepo.deletePost(db, id);
    // A partner's feed keeps listing the item: without a tombstone the next poll would bring it back.
    if (existing.external_id !== null && (await isPartnerSource(db, existing.source))) {
      await insertTombstone(db, {
        source: existing.source,
        external_id: existing.external_id,
        title: existing.title,
        deleted_at: now(deps).utc,
      });
    }
    await recordEvent(db, 'post.deleted', id, before, null, now(deps), deps.requestId);
  });
}

// ---------------------------------------------------------------------------------------------

async function savePost(
  deps: PostsDeps,
  input: CreatePostInput,
  findExisting: (db: Kysely<Database>) => Promise<PostRow | undefined>,
): Promise<SaveResult> {
  return inTransactionWithRetry(deps, (db) => saveWithin(deps, db, input, findExisting));
}

async function saveWithin(
  deps: PostsDeps,
  db: Kysely<Database>,
  input: CreatePostInput,
  findExisting: (db: Kysely<Database>) => Promise<PostRow | undefined>,
): Promise<SaveResult> {
  const author = await resolveAuthor(db, input.author, now(deps));
  const existing = await findExisting(db);
  if (existing) {
    // A re-sent post keeps its slug and publication time unless the client names new ones.
    input = {
      ...input,
      slug: input.slug ?? existing.slug,
      published_at: input.published_at ?? existing.published_at,
    };
  }
  return writePost(deps, db, input, author, existing);
}

/** The post an upsert replaces: the one with the same `(source, external_id)`, when one is given. */
function byExternalId(input: CreatePostInput): (db: Kysely<Database>) => Promise<PostRow | undefined> {
  const source = input.source ?? API_SOURCE;
  return (db) =>
    input.external_id ? postsRepo.findPostByExternalId(db, source, input.external_id) : Promise.resolve(undefined);
}

/** The one place that turns client input into stored rows plus an outbox event. */
async function writePost(
  deps: PostsDeps,
  db: Kysely<Database>,
  input: CreatePostInput,
  author: AuthorRow,
  existing: PostRow | undefined,
): Promise<SaveResult> {
  const at = now(deps);
  const title = cleanLine(input.title);
  if (title === '') throw invalid('title', 'must contain visible characters');
  // NFC like every other free text (the title is cleaned the same way), applied before sanitizing:
  // normalizing sanitized markup could merge a tag's ">" with a following U+0338 into "≯".
  const html = sanitizePostHtml(cleanText(input.html), input.canonical_url ?? `${deps.publicBaseUrl}/`);
  const text = htmlToPlainText(html);
  const excerpt = input.excerpt ? makeExcerpt(cleanText(input.excerpt), 2000) : excerptFromPlainText(text);
  const status = input.status ?? 'published';
  const published = resolvePublishedAt(input.published_at, status, existing, at);
  const tags = normalizeTags(input.tags ?? []);
  const category = input.category ? normalizeTerm(input.category, 'category') : null;
  const slug = await chooseSlug(db, input.slug, title, existing);

  const fields = {
    slug,
    title,
    html,
    excerpt,
    text_content: text,
    word_count: countWords(text),
    author_id: author.id,
    category,
    status,
    published_at: published?.local ?? null,
    published_at_utc: published?.utc ?? null,
    canonical_url: input.canonical_url ?? null,
    image: input.image ?? null,
  };
  const contentHash = hashContent({ ...fields, tags: tags.map((t) => t.slug) });
  if (existing && existing.content_hash === contentHash) {
    return { post: (await toResources(deps, db, [existing]))[0]!, created: false, changed: false };
  }

  const before = existing ? await snapshotOf(db, existing) : null;
  const row: PostRow = existing
    ? { ...existing, ...fields, content_hash: contentHash, updated_at: at.utc }
    : {
        id: uuidv7(),
        ...fields,
        content_hash: contentHash,
        created_at: at.utc,
        updated_at: at.utc,
        source: input.source ?? API_SOURCE,
        external_id: input.external_id ?? null,
      };
  if (existing) {
    await postsRepo.updatePost(db, row.id, { ...fields, content_hash: contentHash, updated_at: at.utc });
    await postsRepo.replacePostTags(db, row.id, tags);
  } else {
    await postsRepo.insertPostWithTags(db, deps.db.dialect, row, tags);
  }

  const after: PostSnapshot = snapshot(
    row,
    author.slug,
    tags.map((t) => t.slug),
  );
  await recordEvent(db, eventTypeFor(before, after), row.id, before, after, at, deps.requestId);
  return { post: toResource(deps, row, author, after.tags), created: !existing, changed: true };
}

/** The excerpt was written by the client when it is not what we would derive from the text. */
function hasOwnExcerpt(row: PostRow): boolean {
  // makeExcerpt alone is how excerpts were derived before blocks were kept apart (2026-12-06).
  return row.excerpt !== excerptFromPlainText(row.text_content) && row.excerpt !== makeExcerpt(row.text_content);
}

function eventTypeFor(before: PostSnapshot | null, after: PostSnapshot): PostEventType {
  if (before === null) return after.status === 'published' ? 'post.published' : 'post.created';
  if (before.status !== after.status) return after.status === 'published' ? 'post.published' : 'post.unpublished';
  return 'post.updated';
}

async function recordEvent(
  db: Kysely<Database>,
  type: PostEventType,
  postId: string,
  before: PostSnapshot | null,
  after: PostSnapshot | null,
  at: { utc: string },
  requestId: string | undefined,
): Promise<void> {
  const eventId = uuidv7();
  const event: PostEvent = {
    eventId,
    type,
    postId,
    occurredAt: at.utc,
    before,
    after,
    ...(requestId ? { requestId } : {}),
  };
  await insertOutboxEvent(db, {
    id: eventId,
    type,
    post_id: postId,
    payload: JSON.stringify(event),
    created_at: at.utc,
  });
}

/**
 * A published post without a time is published now. A draft keeps whatever time it was given (the
 * intended date) or none. A future time on a published post schedules it (honoured by the feeds
 * and the scheduler, which read `published_at_utc`).
 */
function resolvePublishedAt(
  value: string | null | undefined,
  status: 'draft' | 'published',
  existing: PostRow | undefined,
  at: { local: string; utc: string },
): { local: string; utc: string } | null {
  if (value) {
    const parsed = parseRfc3339(value);
    if (!parsed) throw invalid('published_at', 'must be an RFC 3339 timestamp such as 2026-01-31T09:00:00-05:00');
    return parsed;
  }
  if (status === 'draft') return null;
  if (existing?.published_at && existing.published_at_utc) {
    return { local: existing.published_at, utc: existing.published_at_utc };
  }
  return at;
}

function normalizeTerm(value: string, field: string): string {
  const slug = slugify(value, 64);
  if (slug === '') throw invalid(field, 'must contain at least one letter or digit');
  return slug;
}

function normalizeTags(values: string[]): { slug: string; name: string }[] {
  const bySlug = new Map<string, { slug: string; name: string }>();
  values.forEach((value, index) => {
    const slug = slugify(value, 64);
    if (slug === '') throw invalid(`tags/${index}`, 'must contain at least one letter or digit');
    if (!bySlug.has(slug)) bySlug.set(slug, { slug, name: cleanLine(value) });
  });
  return [...bySlug.values()];
}

async function chooseSlug(
  db: Kysely<Database>,
  requested: string | undefined,
  title: string,
  existing: PostRow | undefined,
): Promise<string> {
  if (requested) {
    const holder = await postsRepo.findPostBySlug(db, requested);
    if (holder && holder.id !== existing?.id) {
      throw new AppError({
        code: 'SLUG_TAKEN',
        status: 409,
        detail: `The slug "${requested}" is already used by post ${holder.id}`,
        errors: [{ path: 'slug', message: 'is already used by another post' }],
      });
    }
    return requested;
  }
  if (existing) return existing.slug;
  const base = slugify(title, SLUG_MAX) || 'post';
  // Checked in batches of candidates (base, base-2, … base-20, then base-21 …): one indexed query
  // settles almost every title.
  for (let first = 1; ; first += SLUG_BATCH) {
    const candidates = Array.from({ length: SLUG_BATCH }, (_, i) =>
      first + i === 1 ? base : withSuffix(base, first + i, SLUG_MAX),
    );
    const taken = await postsRepo.findTakenSlugs(db, candidates);
    const free = candidates.find((candidate) => !taken.has(candidate));
    if (free) return free;
  }
}

async function resolveAuthor(
  db: Kysely<Database>,
  author: CreatePostInput['author'],
  at: { utc: string },
): Promise<AuthorRow> {
  if (typeof author === 'string') {
    const row = await authorsRepo.findAuthorBySlug(db, author);
    if (!row) {
      throw new AppError({
        code: 'UNKNOWN_AUTHOR',
        status: 422,
        detail: `No author has the slug "${author}"; create it with PUT /v1/authors/${author} or pass an author object`,
        errors: [{ path: 'author', message: 'is not a known author slug' }],
      });
    }
    return row;
  }
  return (await upsertAuthor(db, author, at.utc)).author;
}

async function authorOf(db: Kysely<Database>, post: PostRow): Promise<AuthorRow> {
  const author = (await authorsRepo.findAuthorsByIds(db, [post.author_id])).get(post.author_id);
  if (!author) throw new Error(`post ${post.id} references missing author ${post.author_id}`);
  return author;
}

async function snapshotOf(db: Kysely<Database>, row: PostRow): Promise<PostSnapshot> {
  const [author, tags] = await Promise.all([authorOf(db, row), postsRepo.findTagsOfPosts(db, [row.id])]);
  return snapshot(row, author.slug, tags.get(row.id) ?? []);
}

function snapshot(row: PostRow, authorSlug: string, tags: string[]): PostSnapshot {
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    published_at: row.published_at,
    author: authorSlug,
    category: row.category,
    tags,
  };
}

async function toResources(deps: PostsDeps, db: Kysely<Database>, rows: PostRow[]): Promise<PostResource[]> {
  const ids = rows.map((row) => row.id);
  const [authors, tags, related] = await Promise.all([
    authorsRepo.findAuthorsByIds(
      db,
      rows.map((row) => row.author_id),
    ),
    postsRepo.findTagsOfPosts(db, ids),
    postsRepo.findRelatedOfPosts(db, ids),
  ]);
  return rows.map((row) =>
    toResource(deps, row, authors.get(row.author_id)!, tags.get(row.id) ?? [], related.get(row.id) ?? []),
  );
}

function toResource(
  deps: PostsDeps,
  row: PostRow,
  author: AuthorRow,
  tags: string[],
  related: postsRepo.RelatedLinkRow[] = [],
): PostResource {
  return {
    id: row.id,
    slug: row.slug,
    url: postUrl(deps.publicBaseUrl, row.slug),
    title: row.title,
    html: row.html,
    excerpt: row.excerpt,
    word_count: row.word_count,
    author: authorRowToResource(author),
    tags,
    category: row.category,
    status: row.status,
    published_at: row.published_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    canonical_url: row.canonical_url,
    image: row.image,
    source: row.source,
    external_id: row.external_id,
    // Maintained by the worker's related-posts engine shortly after each change.
    related: related.map((r) => ({ id: r.related_id, url: postUrl(deps.publicBaseUrl, r.slug), title: r.title })),
  };
}

function hashContent(fields: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * Runs `work` in one transaction (post, tags and outbox event commit together or not at all).
 * Two writers racing for the same generated slug or external id make one of them hit a unique
 * constraint; running the story again then sees the other's row and picks a free slug or updates.
 */
async function inTransactionWithRetry<T>(deps: PostsDeps, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await deps.db.kysely.transaction().execute(work);
      deps.onEventsWritten?.();
      return result;
    } catch (error) {
      if (attempt >= MAX_WRITE_ATTEMPTS || !isUniqueViolation(error)) throw error;
      // Only one of the writers racing for a slug wins each round, and the losers would all pick the
      // same next suffix again: a short random pause spreads them out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/** Enough for a burst of writers with the same title (each round settles at least one of them). */
const MAX_WRITE_ATTEMPTS = 10;

function now(deps: PostsDeps) {
  return nowTimestamp(deps.now?.() ?? new Date());
}

function notFound(id: string): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail: `No post has the id "${id}"` });
}

function invalid(path: string, message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: `${path} ${message}`,
    errors: [{ path, message }],
  });
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    throw invalid('cursor', 'is not a cursor this API issued');
  }
  return id;
}
