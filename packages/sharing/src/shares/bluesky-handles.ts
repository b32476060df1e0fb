import type { Logger } from 'pino';
import { z } from 'zod';
import { BLUESKY_DID } from '@careerfeed/core';
import { OutboundRequestError, outboundRequest } from '@careerfeed/http';

/**
 * Bluesky handle → DID, for the mention facet of Bluesky share payloads. A facet names the account
 * by its DID; authors' links hold the handle, so the worker asks an AT Protocol service
 * (`com.atproto.identity.resolveHandle`, which checks the handle's DNS record or
 * `/.well-known/atproto-did` for us) through the outbound HTTP client (SSRF policy, deadline, body
 * limit). Answers are kept in memory for a day, so a handle is asked about at most once a day per
 * worker; a handle the service does not know is remembered for a day too. Transient failures
 * (network, timeout, 5xx) are remembered for a shorter time, so a blip does not cost the mention
 * for a day. Resolution never fails a share: without a DID the payload keeps "@handle" as text.
 */

export const BLUESKY_RESOLVE_TTL_MS = 24 * 3_600_000;
export const BLUESKY_RESOLVE_RETRY_MS = 15 * 60_000;
/** Handles remembered at most (oldest forgotten first): authors are a few hundred at most. */
const MAX_ENTRIES = 10_000;
const TIMEOUT_MS = 5_000;
const MAX_BODY_BYTES = 16 * 1024;

export interface BlueskyHandleResolverOptions {
  /** BLUESKY_RESOLVER_URL, e.g. https://bsky.social. */
  serviceUrl: string;
  allowPrivateNetworks: boolean;
  now?: () => Date;
  logger?: Pick<Logger, 'warn'>;
  ttlMs?: number;
  retryMs?: number;
  timeoutMs?: number;
}

/** The DID of a handle, or undefined when it cannot be resolved (now). Never throws. */
export type BlueskyHandleResolver = (handle: string) => Promise<string | undefined>;

const answerSchema = z.object({ did: z.string().regex(BLUESKY_DID) });

type Outcome = { did: string | undefined; transient: boolean };

export function createBlueskyHandleResolver(options: BlueskyHandleResolverOptions): BlueskyHandleResolver {
  const now = () => (options.now?.() ?? new Date()).getTime();
  const ttl = options.ttlMs ?? BLUESKY_RESOLVE_TTL_MS;
  const retry = Math.min(options.retryMs ?? BLUESKY_RESOLVE_RETRY_MS, ttl);
  const cache = new Map<string, { did: string | undefined; expiresAt: number }>();
  // Concurrent shares of one author's posts ask once.
  const inFlight = new Map<string, Promise<string | undefined>>();

  const ask = async (handle: string): Promise<Outcome> => {
    const url = `${options.serviceUrl.replace(/\/+$/, '')}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`;
    try {
      const response = await outboundRequest({
        url,
        allowPrivateNetworks: options.allowPrivateNetworks,
        headers: { accept: 'application/json' },
        timeoutMs: options.timeoutMs ?? TIMEOUT_MS,
        maxBodyBytes: MAX_BODY_BYTES,
        maxRedirects: 2,
      });
      if (response.status !== 200) {
        options.logger?.warn(
          { handle, status: response.status },
          'Bluesky handle not resolved: the payload keeps "@handle" without a mention facet',
        );
        // 400 is the lexicon's "handle not found"; 5xx and 429 are the service's own trouble.
        return { did: undefined, transient: response.status >= 500 || response.status === 429 };
      }
      const parsed = answerSchema.safeParse(JSON.parse(response.body.toString('utf8')));
      if (!parsed.success) {
        options.logger?.warn({ handle }, 'Bluesky handle resolver answered without a valid DID: no mention facet');
        return { did: undefined, transient: false };
      }
      return { did: parsed.data.did, transient: false };
    } catch (error) {
      const reason = error instanceof OutboundRequestError ? error.code : (error as Error).name;
      options.logger?.warn(
        { handle, reason, err: error instanceof SyntaxError ? undefined : (error as Error).message },
        'Bluesky handle resolution failed: the payload keeps "@handle" without a mention facet',
      );
      return { did: undefined, transient: !(error instanceof SyntaxError) };
    }
  };

  return async (rawHandle) => {
    const handle = rawHandle.trim().replace(/^@/, '').toLowerCase();
    if (handle === '') return undefined;
    const cached = cache.get(handle);
    if (cached && cached.expiresAt > now()) return cached.did;
    const running = inFlight.get(handle);
    if (running) return running;
    const promise = ask(handle).then(({ did, transient }) => {
      cache.delete(handle);
      cache.set(handle, { did, expiresAt: now() + (transient ? retry : ttl) });
      if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      return did;
    });
    inFlight.set(handle, promise);
    try {
      return await promise;
    } finally {
      inFlight.delete(handle);
    }
  };
}
