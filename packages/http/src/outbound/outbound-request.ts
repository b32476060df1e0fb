import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { type AddressPolicy, addressPolicyFor, literalAddressOf } from './address-policy';

/**
 * HTTP requests to URLs that users gave us (partner feeds, webhook destinations), with the guards
 * such requests need: the SSRF address policy applied to every connection (after DNS resolution
 * and on every redirect hop, so neither a hostname nor a redirect can lead inside), and limits on
 * redirects, body size (after decompression: a small gzip bomb counts at its real size) and total
 * time (a server trickling one byte a second still ends at the deadline).
 *
 * Written on node:http rather than fetch: fetch (undici) offers no hook between DNS resolution and
 * connect on Node 20 without a dependency that needs Node 22, and its redirect handling cannot
 * re-check each hop's address.
 */

export type OutboundErrorCode =
  'INVALID_URL' | 'BLOCKED_ADDRESS' | 'TOO_MANY_REDIRECTS' | 'TOO_LARGE' | 'TIMEOUT' | 'NETWORK';

export class OutboundRequestError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundRequestError';
  }
}

export interface OutboundRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** ALLOW_PRIVATE_NETWORKS: when false, only public unicast addresses are reached. */
  allowPrivateNetworks: boolean;
  /**
   * Replaces the policy `allowPrivateNetworks` picks. For tests, which need one loopback address
   * allowed and another refused to show that redirects are checked; such requests are not pooled.
   */
  addressPolicy?: AddressPolicy;
  /** Redirects followed (default 5). With 0, a 3xx is returned as the response. */
  maxRedirects?: number;
  /** Largest body accepted, after decompression (default 5 MiB). */
  maxBodyBytes?: number;
  /** Deadline for the whole exchange, redirects and body included (default 15 s). */
  timeoutMs?: number;
  /**
   * Only the status and headers matter (a webhook receiver's 2xx): the answer is returned as soon
   * as its headers arrive, with an empty body, and the body is drained in the background (cut off
   * at the deadline), so a large or slow body cannot turn a success into an error.
   */
  discardBody?: boolean;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Decompressed body. */
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
  durationMs: number;
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_REDIRECTS = 5;
const USER_AGENT = 'careerfeed/0.1 (+https://github.com/careerfeed)';

/**
 * Checks a URL a user submits (at creation, so the mistake is answered at once): http(s), no
 * credentials in it, and, unless private networks are allowed, a host that resolves to public
 * addresses only. Requests re-check at connect time: DNS answers change.
 */
export async function assertPublicHttpUrl(url: string, allowPrivateNetworks: boolean): Promise<URL> {
  const parsed = parseHttpUrl(url);
  const policy = addressPolicyFor(allowPrivateNetworks);
  const literal = literalAddressOf(parsed.hostname);
  if (literal !== undefined) {
    if (!policy(literal)) throw blocked(parsed.hostname);
    return parsed;
  }
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(parsed.hostname, { all: true });
  } catch {
    throw new OutboundRequestError('INVALID_URL', `the host ${parsed.hostname} does not resolve`);
  }
  const refused = addresses.find((a) => !policy(a.address));
  if (refused) throw blocked(`${parsed.hostname} (${refused.address})`);
  return parsed;
}

export async function outboundRequest(request: OutboundRequest): Promise<OutboundResponse> {
  const started = performance.now();
  const connection: ConnectionPolicy = request.addressPolicy
    ? { policy: request.addressPolicy, agent: false }
    : {
        policy: addressPolicyFor(request.allowPrivateNetworks),
        agent: request.allowPrivateNetworks ? 'any' : 'public',
      };
  const maxRedirects = request.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBodyBytes = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const deadline = new Deadline(request.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    let url = parseHttpUrl(request.url);
    let method = request.method ?? 'GET';
    let body = request.body;
    for (let redirects = 0; ; redirects++) {
      const response = await sendOnce(url, method, request.headers ?? {}, body, connection, deadline);
      const location = response.headers.location;
      if (isRedirect(response.statusCode) && location !== undefined && maxRedirects > 0) {
        response.resume();
        if (redirects >= maxRedirects) {
          throw new OutboundRequestError('TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects`);
        }
        url = parseHttpUrl(new URL(location, url).toString());
        // 303, and 301/302 after a POST by every browser's convention, continue as a GET.
        if (
          response.statusCode === 303 ||
          (method === 'POST' && response.statusCode !== 307 && response.statusCode !== 308)
        ) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      if (request.discardBody) drainInBackground(response, deadline.ms);
      const responseBody = request.discardBody ? Buffer.alloc(0) : await readBody(response, maxBodyBytes, deadline);
      return {
        status: response.statusCode ?? 0,
        headers: flattenHeaders(response.headers),
        body: responseBody,
        url: url.toString(),
        durationMs: performance.now() - started,
      };
    }
  } finally {
    deadline.clear();
  }
}

/** The address policy of a request, and the keep-alive pool its sockets may come from. */
interface ConnectionPolicy {
  policy: AddressPolicy;
  agent: 'public' | 'any' | false;
}

function sendOnce(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  { policy, agent }: ConnectionPolicy,
  deadline: Deadline,
): Promise<http.IncomingMessage> {
  const literal = literalAddressOf(url.hostname);
  // Node resolves hostnames through `lookup` but connects to literal addresses directly.
  if (literal !== undefined && !policy(literal)) return Promise.reject(blocked(url.hostname));
  const secure = url.protocol === 'https:';
  const requestHeaders: Record<string, string> = {
    'user-agent': USER_AGENT,
    'accept-encoding': 'gzip, deflate, br',
    ...lowerCaseKeys(headers),
  };
  if (body !== undefined) requestHeaders['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, {
      method,
      headers: requestHeaders,
      agent: agent === false ? false : agentFor(agent, secure),
      lookup: guardedLookup(policy),
    });
    deadline.onExpiry(() => req.destroy(timeout(deadline.ms)));
    req.once('response', resolve);
    req.once('error', (error) => reject(asOutboundError(error)));
    req.end(body);
  });
}

function readBody(response: http.IncomingMessage, maxBodyBytes: number, deadline: Deadline): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    response.destroy();
    return Promise.reject(tooLarge(maxBodyBytes));
  }
  const stream = decoded(response);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error) => {
      response.destroy();
      stream.destroy();
      reject(asOutboundError(error));
    };
    deadline.onExpiry(() => fail(timeout(deadline.ms)));
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) fail(tooLarge(maxBodyBytes));
      else chunks.push(chunk);
    });
    stream.once('error', fail);
    response.once('error', fail);
    stream.once('end', () => resolve(Buffer.concat(chunks, size)));
  });
}

/** Reads and drops a body nobody needs; the socket goes back to the pool when it ends. */
function drainInBackground(response: http.IncomingMessage, timeoutMs: number): void {
  const cutOff = setTimeout(() => response.destroy(), timeoutMs);
  cutOff.unref();
  response.once('close', () => clearTimeout(cutOff));
  response.on('error', () => undefined);
  response.resume();
}

function decoded(response: http.IncomingMessage): Readable {
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  return decoder ? response.pipe(decoder) : response;
}

/** dns.lookup, keeping only the addresses the policy allows; none left → BLOCKED_ADDRESS. */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => policy(a.address));
      if (allowed.length === 0) {
        return callback(blocked(`${hostname} (${addresses.map((a) => a.address).join(', ')})`), '', 0);
      }
      if (options.all) {
        // The `all` form of the callback: node's types only describe the single-address one.
        (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, allowed);
      } else {
        callback(null, allowed[0]!.address, allowed[0]!.family);
      }
    });
  };
}

// One keep-alive pool per policy and scheme, so a socket opened under the permissive policy is
// never reused for a request that must stay public.
const agents = new Map<string, http.Agent>();
function agentFor(pool: 'public' | 'any', secure: boolean): http.Agent {
  const key = `${pool}:${secure ? 'https' : 'http'}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 64, timeout: 30_000 };
    agent = secure ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** One timer for the whole exchange; each step registers how to abort itself. */
class Deadline {
  private readonly timer: NodeJS.Timeout;
  private abort: (() => void) | undefined;
  private expired = false;
  constructor(readonly ms: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.abort?.();
    }, ms);
  }
  onExpiry(abort: () => void): void {
    this.abort = abort;
    if (this.expired) abort();
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundRequestError('INVALID_URL', 'not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OutboundRequestError(
      'INVALID_URL',
      `the scheme must be http or https, not ${parsed.protocol.slice(0, -1)}`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new OutboundRequestError('INVALID_URL', 'credentials in the URL are not accepted');
  }
  return parsed;
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function asOutboundError(error: unknown): OutboundRequestError {
  if (error instanceof OutboundRequestError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OutboundRequestError('NETWORK', message);
}

const blocked = (what: string) =>
  new OutboundRequestError(
    'BLOCKED_ADDRESS',
    `${what} is a private, loopback or otherwise non-public address (set ALLOW_PRIVATE_NETWORKS=true to allow)`,
  );
const tooLarge = (max: number) => new OutboundRequestError('TOO_LARGE', `the response body exceeds ${max} bytes`);
const timeout = (ms: number) => new OutboundRequestError('TIMEOUT', `no complete response within ${ms} ms`);
