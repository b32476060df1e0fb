import { AppError, type ParsedPartnerFeed, itemToPostInput, nextPollAt, nowTimestamp, slugify } from '@careerfeed/core';
import { type Db, type SourceRow, isUniqueViolation, uuidv7 } from '@careerfeed/db';
import { OutboundRequestError, assertPublicHttpUrl } from '@careerfeed/http';
import { createPostSchema } from '../posts/posts.schema';
import { type PostsDeps, createPost } from '../posts/posts.service';
import { findPostByExternalId } from '../posts/posts.repository';
import * as repo from './sources.repository';
import { deleteTombstone, hasTombstone, listTombstones } from './tombstones.repository';
import type { PollSummary, SourceResource } from './sources.resource';
import { type CreateSourceInput, DEFAULT_INTERVAL_MINUTES, type UpdateSourceInput } from './sources.schema';

export interface SourcesDeps extends PostsDeps {
  allowPrivateNetworks: boolean;
  /** Queues a poll of the source now (deduplicated per source); absent where no queue is wired. */
  requestPoll?: (sourceId: string) => Promise<void>;
}

export type { PollSummary, SourceResource } from './sources.resource';

export async function createSource(deps: SourcesDeps, input: CreateSourceInput): Promise<SourceResource> {
  const url = await checkedUrl(deps, input.url);
  const at = now(deps).utc;
  const row: SourceRow = {
    id: uuidv7(),
    url,
    kind: input.kind ?? 'feed',
    sync_cursor: null,
    interval_minutes: input.interval_minutes ?? DEFAULT_INTERVAL_MINUTES,
    author: input.author ?? null,
    category: input.category ? normalizedCategory(input.category) : null,
    title: null,
    etag: null,
    last_modified: null,
    last_polled_at: null,
    last_success_at: null,
    last_error_at: null,
    last_error_code: null,
    last_error: null,
    consecutive_failures: 0,
    last_poll_summary: null,
    // Due at once: the next tick (or the poll requested below) fetches it.
    next_poll_at: at,
    created_at: at,
    updated_at: at,
  };
  if (await repo.findSourceByUrl(deps.db.kysely, url)) throw urlTaken(url);
  try {
    await repo.insertSource(deps.db.kysely, row);
  } catch (error) {
    if (isUniqueViolation(error)) throw urlTaken(url);
    throw error;
  }
  // Best effort: without Redis the source is still stored and the tick polls it later.
  await deps.requestPoll?.(row.id).catch(() => undefined);
  return toResource(row, 0);
}

export async function listSources(deps: SourcesDeps): Promise<SourceResource[]> {
  const rows = await repo.listSources(deps.db.kysely);
  const counts = await repo.countItems(
    deps.db.kysely,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toResource(row, counts.get(row.id) ?? 0));
}

export async function getSource(deps: SourcesDeps, id: string): Promise<SourceResource> {
  const row = await repo.findSourceById(deps.db.kysely, id);
  if (!row) throw notFound(id);
  return toResource(row, (await repo.countItems(deps.db.kysely, [id])).get(id) ?? 0);
}

export async function updateSource(deps: SourcesDeps, id: string, patch: UpdateSourceInput): Promise<SourceResource> {
  const row = await repo.findSourceById(deps.db.kysely, id);
  if (!row) throw notFound(id);
  const fields = {
    ...(patch.interval_minutes !== undefined ? { interval_minutes: patch.interval_minutes } : {}),
    ...(patch.author !== undefined ? { author: patch.author } : {}),
    ...(patch.category !== undefined ? { category: patch.category ? normalizedCategory(patch.category) : null } : {}),
    updated_at: now(deps).utc,
  };
  await repo.updateSource(deps.db.kysely, id, fields);
  return getSource(deps, id);
}

/**
 * A new address for a partner feed (it moved), checked against the SSRF policy exactly as when the
 * source was added. Its posts stay (they keep their external ids); the validators of the old
 * address are dropped and the source is due at once.
 */
export async function changeSourceUrl(deps: SourcesDeps, id: string, input: string): Promise<SourceResource> {
  const row = await repo.findSourceById(deps.db.kysely, id);
  if (!row) throw notFound(id);
  const url = await checkedUrl(deps, input);
  if (url === row.url) return getSource(deps, id);
  if (await repo.findSourceByUrl(deps.db.kysely, url)) throw urlTaken(url);
  const at = now(deps).utc;
  try {
    await repo.updateSource(deps.db.kysely, id, {
      url,
      etag: null,
      last_modified: null,
      next_poll_at: at,
      updated_at: at,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw urlTaken(url);
    throw error;
  }
  return getSource(deps, id);
}

/** The syndicated posts staff deleted from this source, which its polls will not bring back. */
export async function listDeletedPartnerPosts(deps: SourcesDeps, id: string) {
  if (!(await repo.findSourceById(deps.db.kysely, id))) throw notFound(id);
  return listTombstones(deps.db.kysely, id);
}

/** Lets a deleted partner post come back on the next poll. */
export async function allowDeletedPartnerPost(deps: SourcesDeps, id: string, externalId: string): Promise<void> {
  if (!(await deleteTombstone(deps.db.kysely, id, externalId))) {
    throw new AppError({
      code: 'NOT_FOUND',
      status: 404,
      detail: 'That item is not on the deleted list of this source',
    });
  }
}

/**
 * Removes the source and stops polling it. Posts already syndicated from it stay published (they
 * are public, linked and credited; removing them silently would break links readers have); delete
 * them one by one with DELETE /v1/posts/{id} if wanted. They keep `source` = this id.
 */
export async function deleteSource(deps: SourcesDeps, id: string): Promise<void> {
  const row = await repo.findSourceById(deps.db.kysely, id);
  if (!row) throw notFound(id);
  await repo.deleteSource(deps.db.kysely, id);
}

/** `POST /v1/sources/{id}/poll`: queues a poll now (a poll already queued or running is not doubled). */
export async function requestPollNow(deps: SourcesDeps, id: string): Promise<SourceResource> {
  const source = await getSource(deps, id);
  if (!deps.requestPoll) {
    throw new AppError({ code: 'SERVICE_UNAVAILABLE', status: 503, detail: 'Polling is not available here' });
  }
  try {
    await deps.requestPoll(id);
  } catch {
    // Redis is down (producers fail fast): nothing was queued; the tick polls when it is back.
    throw new AppError({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      detail: 'The poll queue is unavailable; try again',
    });
  }
  return source;
}

// --- used by the worker's poll job --------------------------------------------------------------

export function findSourceForPoll(db: Db, id: string): Promise<SourceRow | undefined> {
  return repo.findSourceById(db.kysely, id);
}

export async function findDueSourceIds(db: Db, nowUtc: string, limit: number): Promise<string[]> {
  return (await repo.findDueSources(db.kysely, nowUtc, limit)).map((row) => row.id);
}

/**
 * Saves a parsed partner feed's items as posts through the posts service, exactly as API posts are
 * saved (same validation, sanitizing, upsert by (source, external_id), content-hash no-op, outbox
 * events). An item no post can be made of is skipped and counted; it does not stop the others.
 */
export async function syndicateItems(
  deps: PostsDeps,
  source: SourceRow,
  feed: ParsedPartnerFeed,
): Promise<Omit<PollSummary, 'status' | 'format' | 'duplicates'>> {
  const defaults = {
    id: source.id,
    author: source.author,
    category: source.category,
    fallbackName: feed.title ?? new URL(source.url).host,
  };
  const at = deps.now?.() ?? new Date();
  const saved = await syndicatePostInputs(
    deps,
    source,
    feed.items.map((item) => itemToPostInput(item, defaults, at)),
  );
  return { ...saved, skipped: saved.skipped + feed.skippedWithoutId };
}

/**
 * Saves candidate post inputs of a partner source (from a feed, or a WordPress site's REST API)
 * through the posts service, each keyed by (source id, external_id). An input no post can be made
 * of is skipped and counted; a post an editor set to draft is left alone (withheld).
 */
export async function syndicatePostInputs(
  deps: PostsDeps,
  source: SourceRow,
  inputs: unknown[],
): Promise<Omit<PollSummary, 'status' | 'format' | 'duplicates'>> {
  const counts = { items: inputs.length, created: 0, updated: 0, unchanged: 0, skipped: 0, withheld: 0 };
  for (const candidate of inputs) {
    const parsed = createPostSchema.safeParse(candidate);
    if (!parsed.success || !parsed.data.external_id) {
      counts.skipped++;
      continue;
    }
    parsed.data.source = source.id;
    // An editor who unpublished a syndicated post meant it: a partner's next edit must not undo that.
    const existing = await findPostByExternalId(deps.db.kysely, source.id, parsed.data.external_id!);
    // Deleted by staff: stays deleted (see partner_post_tombstones).
    if (
      existing?.status === 'draft' ||
      (!existing && (await hasTombstone(deps.db.kysely, source.id, parsed.data.external_id!)))
    ) {
      counts.withheld++;
      continue;
    }
    try {
      const result = await createPost(deps, parsed.data);
      if (result.created) counts.created++;
      else if (result.changed) counts.updated++;
      else counts.unchanged++;
    } catch (error) {
      // The item's own fault (e.g. a title of nothing but spaces): skip it. Anything else is ours.
      if (error instanceof AppError && error.status < 500) counts.skipped++;
      else throw error;
    }
  }
  return counts;
}

export type PollOutcome =
  | {
      ok: true;
      summary: PollSummary;
      /** WordPress sources: the new high-water mark of `modified_gmt`. */
      syncCursor?: string | null;
      etag?: string | null;
      lastModified?: string | null;
      title?: string | null;
    }
  | { ok: false; code: string; message: string; retryAfterMs?: number | null };

/** Records a poll on the source: its health, validators, and when it is next due. */
export async function recordPollOutcome(deps: PostsDeps, source: SourceRow, outcome: PollOutcome): Promise<void> {
  const at = deps.now?.() ?? new Date();
  const utc = at.toISOString();
  if (outcome.ok) {
    await repo.updateSource(deps.db.kysely, source.id, {
      last_polled_at: utc,
      last_success_at: utc,
      consecutive_failures: 0,
      last_poll_summary: JSON.stringify(outcome.summary),
      ...(outcome.etag !== undefined ? { etag: outcome.etag } : {}),
      ...(outcome.lastModified !== undefined ? { last_modified: outcome.lastModified } : {}),
      ...(outcome.title ? { title: outcome.title } : {}),
      ...(outcome.syncCursor !== undefined ? { sync_cursor: outcome.syncCursor } : {}),
      next_poll_at: nextPollAt({
        now: at,
        intervalMinutes: source.interval_minutes,
        consecutiveFailures: 0,
      }).toISOString(),
    });
    return;
  }
  const failures = source.consecutive_failures + 1;
  await repo.updateSource(deps.db.kysely, source.id, {
    last_polled_at: utc,
    last_error_at: utc,
    last_error_code: outcome.code,
    last_error: outcome.message.slice(0, 1000),
    consecutive_failures: failures,
    next_poll_at: nextPollAt({
      now: at,
      intervalMinutes: source.interval_minutes,
      consecutiveFailures: failures,
      retryAfterMs: outcome.retryAfterMs ?? null,
    }).toISOString(),
  });
}

// ---------------------------------------------------------------------------------------------

async function checkedUrl(deps: SourcesDeps, value: string): Promise<string> {
  try {
    return (await assertPublicHttpUrl(value, deps.allowPrivateNetworks)).toString();
  } catch (error) {
    if (!(error instanceof OutboundRequestError)) throw error;
    const message =
      error.code === 'BLOCKED_ADDRESS' ? 'must not point to a private, loopback or reserved address' : error.message;
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: `url ${message}`,
      errors: [{ path: 'url', message }],
    });
  }
}

function normalizedCategory(value: string): string {
  const slug = slugify(value, 64);
  if (slug === '') {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'category must contain at least one letter or digit',
      errors: [{ path: 'category', message: 'must contain at least one letter or digit' }],
    });
  }
  return slug;
}

function toResource(row: SourceRow, itemsCount: number): SourceResource {
  return {
    id: row.id,
    url: row.url,
    kind: row.kind,
    interval_minutes: row.interval_minutes,
    author: row.author,
    category: row.category,
    title: row.title,
    created_at: row.created_at,
    updated_at: row.updated_at,
    health: {
      last_poll_at: row.last_polled_at,
      last_success_at: row.last_success_at,
      last_error:
        row.last_error_at && row.last_error_code
          ? { at: row.last_error_at, code: row.last_error_code, message: row.last_error ?? '' }
          : null,
      consecutive_failures: row.consecutive_failures,
      next_poll_at: row.next_poll_at,
      items_count: itemsCount,
      last_poll: row.last_poll_summary ? (JSON.parse(row.last_poll_summary) as PollSummary) : null,
    },
  };
}

function urlTaken(url: string): AppError {
  return new AppError({
    code: 'CONFLICT',
    status: 409,
    detail: `A source with the URL ${url} exists already`,
    errors: [{ path: 'url', message: 'is already a source' }],
  });
}

function notFound(id: string): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail: `No source has the id "${id.slice(0, 80)}"` });
}

function now(deps: PostsDeps) {
  return nowTimestamp(deps.now?.() ?? new Date());
}

/**
 * A partner source's posts are written by polling it, never through the API: a `posts:write` key
 * that could name a source id in `source` could replace a partner's items by their guids.
 */
export async function assertNotPartnerSource(db: Db, source: string): Promise<void> {
  if (!(await repo.findSourceById(db.kysely, source))) return;
  throw new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: `"${source}" is a partner feed source; its posts come only from polling the feed`,
    errors: [{ path: 'source', message: 'names a partner feed source, whose posts are written only by polling it' }],
  });
}
