import { parseRetryAfter } from '@careerfeed/core';
import type { SourceRow } from '@careerfeed/db';
import { OutboundRequestError, type OutboundResponse, outboundRequest } from '@careerfeed/http';
import { type PollOutcome, syndicatePostInputs } from '@careerfeed/posts';
import { mapRestPost, modifiedAfterFor, restPostsUrl, siteFeedUrl } from '@careerfeed/wordpress';
import type { PollSourceDeps } from './poll-source.job';

/** Posts per REST page: WordPress's maximum. */
const PER_PAGE = 100;
/** Pages read per poll at most; a site with more changes goes on from the cursor at the next poll. */
const MAX_PAGES = 20;

/**
 * One poll of a WordPress site: its REST API's posts changed since the source's cursor, oldest
 * change first, page by page (X-WP-TotalPages), saved through the posts service; the cursor moves
 * to the latest `modified_gmt` read. A site whose REST API is off (404, 401 or 403 on /wp-json)
 * is read through its RSS feed instead (`readFeed`), as a feed source would be.
 */
export async function pollWordPressSite(
  deps: PollSourceDeps,
  source: SourceRow,
  readFeed: (url: string) => Promise<PollOutcome>,
): Promise<PollOutcome> {
  const now = deps.now?.() ?? new Date();
  const defaults = { id: source.id, siteUrl: source.url, author: source.author, category: source.category };
  const modifiedAfter = modifiedAfterFor(source.sync_cursor);
  const inputs: unknown[] = [];
  let cursor = source.sync_cursor;
  let skipped = 0;
  let totalPages = 1;
  let page = 1;
  for (; page <= Math.min(totalPages, MAX_PAGES); page++) {
    let response: OutboundResponse;
    try {
      response = await outboundRequest({
        url: restPostsUrl(source.url, page, PER_PAGE, modifiedAfter),
        headers: { accept: 'application/json' },
        allowPrivateNetworks: deps.allowPrivateNetworks,
        maxRedirects: 5,
        maxBodyBytes: deps.maxBodyBytes ?? 20 * 1024 * 1024,
        timeoutMs: deps.timeoutMs ?? 20_000,
      });
    } catch (error) {
      if (error instanceof OutboundRequestError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
    if (page === 1 && [401, 403, 404].includes(response.status)) {
      deps.logger?.info(
        { sourceId: source.id, status: response.status },
        'WordPress REST API unavailable; reading the feed',
      );
      return readFeed(siteFeedUrl(source.url));
    }
    if (response.status < 200 || response.status > 299) {
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? (parseRetryAfter(response.headers['retry-after'], now) ?? null)
          : null;
      return {
        ok: false,
        code: response.status === 429 ? 'RATE_LIMITED' : 'HTTP_STATUS',
        message: `the WordPress REST API answered HTTP ${response.status}`,
        retryAfterMs,
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!Array.isArray(body)) {
      return { ok: false, code: 'NOT_A_FEED', message: 'the WordPress REST API did not answer a JSON list of posts' };
    }
    for (const raw of body) {
      const mapped = mapRestPost(raw, defaults, now);
      if (mapped.modifiedGmt && (!cursor || mapped.modifiedGmt > cursor)) cursor = mapped.modifiedGmt;
      if (mapped.ok) inputs.push(mapped.input);
      else skipped++;
    }
    const pages = Number(response.headers['x-wp-totalpages']);
    totalPages = Number.isInteger(pages) && pages > 0 ? pages : 1;
  }
  const counts = await syndicatePostInputs(deps, source, inputs);
  return {
    ok: true,
    summary: {
      status: 200,
      format: 'wordpress',
      duplicates: 0,
      ...counts,
      items: counts.items + skipped,
      skipped: counts.skipped + skipped,
    },
    syncCursor: cursor,
  };
}
