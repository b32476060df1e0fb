import type { Logger } from 'pino';
import { decodeFeedBody, parsePartnerFeed, parseRetryAfter } from '@careerfeed/core';
import type { Db, SourceRow } from '@careerfeed/db';
import { OutboundRequestError, type OutboundResponse, outboundRequest } from '@careerfeed/http';
import { type PollOutcome, findSourceForPoll, recordPollOutcome, syndicateItems } from '@careerfeed/posts';
import type { SourcePollJob } from '@careerfeed/jobs';
import { pollWordPressSite } from './poll-wordpress';

export interface PollSourceDeps {
  db: Db;
  publicBaseUrl: string;
  allowPrivateNetworks: boolean;
  logger?: Logger;
  now?: () => Date;
  /** Whole exchange, redirects and body included (slow-loris servers end here). Default 20 s. */
  timeoutMs?: number;
  /** Decompressed body limit. Default 5 MiB. */
  maxBodyBytes?: number;
  /** Told the outcome of every poll: `ok`, `not-modified`, or the error code. */
  onOutcome?: (outcome: string) => void;
}

const TIMEOUT_MS = 20_000;
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1';

export type PollResult = { polled: false; reason: 'gone' | 'not-due' } | { polled: true; outcome: PollOutcome };

/**
 * One poll of one source: conditional GET, parse, save the items as posts, record the outcome on
 * the source. Whatever the partner sends (or fails to send) ends as a recorded outcome, never as a
 * thrown error: the job does not fail and the worker carries on. Only our own failures (database)
 * propagate, and the next tick tries again.
 */
export async function pollSource(deps: PollSourceDeps, job: SourcePollJob): Promise<PollResult> {
  const source = await findSourceForPoll(deps.db, job.sourceId);
  if (!source) return { polled: false, reason: 'gone' };
  const now = deps.now?.() ?? new Date();
  // A tick may queue a source just as another poll of it finishes; that poll moved next_poll_at on.
  if (!job.force && Date.parse(source.next_poll_at) > now.getTime()) return { polled: false, reason: 'not-due' };

  const outcome =
    source.kind === 'wordpress'
      ? await pollWordPressSite(deps, source, (feedUrl) => fetchAndSyndicate(deps, source, feedUrl))
      : await fetchAndSyndicate(deps, source, source.url);
  await recordPollOutcome(deps, source, outcome);
  deps.onOutcome?.(outcome.ok ? (outcome.summary.status === 304 ? 'not-modified' : 'ok') : outcome.code);
  deps.logger?.info(
    { sourceId: source.id, ...(outcome.ok ? outcome.summary : { code: outcome.code, error: outcome.message }) },
    outcome.ok ? 'source polled' : 'source poll failed',
  );
  return { polled: true, outcome };
}

async function fetchAndSyndicate(deps: PollSourceDeps, source: SourceRow, url: string): Promise<PollOutcome> {
  let response: OutboundResponse;
  try {
    response = await outboundRequest({
      url,
      headers: {
        accept: ACCEPT,
        ...(source.etag ? { 'if-none-match': source.etag } : {}),
        ...(source.last_modified ? { 'if-modified-since': source.last_modified } : {}),
      },
      allowPrivateNetworks: deps.allowPrivateNetworks,
      maxRedirects: MAX_REDIRECTS,
      maxBodyBytes: deps.maxBodyBytes ?? MAX_BODY_BYTES,
      timeoutMs: deps.timeoutMs ?? TIMEOUT_MS,
    });
  } catch (error) {
    if (error instanceof OutboundRequestError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }

  if (response.status === 304) {
    return { ok: true, summary: emptySummary(304) };
  }
  if (response.status < 200 || response.status > 299) {
    const retryAfterMs =
      response.status === 429 || response.status === 503
        ? (parseRetryAfter(response.headers['retry-after'], deps.now?.() ?? new Date()) ?? null)
        : null;
    return {
      ok: false,
      code: response.status === 429 ? 'RATE_LIMITED' : 'HTTP_STATUS',
      message: `the partner answered HTTP ${response.status}`,
      retryAfterMs,
    };
  }

  const parsed = parsePartnerFeed(
    decodeFeedBody(response.body, response.headers['content-type']),
    response.headers['content-type'],
    response.url,
  );
  if (!parsed.ok) return { ok: false, code: parsed.code, message: parsed.message };
  const counts = await syndicateItems(deps, source, parsed.feed);
  return {
    ok: true,
    summary: { status: response.status, format: parsed.feed.format, duplicates: parsed.feed.duplicates, ...counts },
    etag: response.headers.etag ?? null,
    lastModified: response.headers['last-modified'] ?? null,
    title: parsed.feed.title,
  };
}

function emptySummary(status: number) {
  return {
    status,
    format: null,
    items: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    duplicates: 0,
    withheld: 0,
  };
}
