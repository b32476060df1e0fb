import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { type DestinationStream, type Logger, type LoggerOptions, pino, stdSerializers } from 'pino';
import { pinoHttp } from 'pino-http';
import { REDACTED, redactQuery, redactSecrets } from '@careerfeed/config';

/**
 * The one logging configuration of every service: secrets never reach a log line.
 * - headers that carry credentials are replaced (`authorization`, `cookie`, `set-cookie`…);
 * - token-like query parameters in logged URLs become `[redacted]` (`/unsubscribe?token=[redacted]`);
 * - every string of a logged object or message, errors included, loses passwords in URLs
 *   (`postgres://app:***@db`), webhook secrets (`whsec_…`) and API keys (`cf_…`).
 */

const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/** pino `redact` paths: the credential headers wherever pino-http or a caller logs them, and secret-named fields. */
export const LOG_REDACT_PATHS: string[] = [
  ...SECRET_HEADERS.flatMap((name) => [`req.headers["${name}"]`, `res.headers["${name}"]`, `headers["${name}"]`]),
  'req.query.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'token',
  '*.token',
];

const MAX_DEPTH = 8;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with every string passed through `redactSecrets`; errors become their
 * serialized form (message and stack scrubbed). Other class instances (a request, a response, a
 * Buffer) are left to their serializers.
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (value instanceof Error) return scrubSecrets({ ...stdSerializers.err(value) }, depth + 1);
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubSecrets(item, depth + 1);
  return out;
}

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    name: service,
    level,
    redact: { paths: LOG_REDACT_PATHS, censor: REDACTED },
    formatters: {
      log: (object) => scrubSecrets(object) as Record<string, unknown>,
      bindings: (bindings) => scrubSecrets(bindings) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  };
}

/** Every service's logger (tests pass a destination to read what would be written). */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(service, level), destination) : pino(loggerOptions(service, level));
}

function redactHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!headers) return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.includes(name.toLowerCase()) ? REDACTED : scrubSecrets(value);
  }
  return out;
}

interface SerializedRequest {
  url?: string;
  query?: unknown;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** pino-http's request serializer, redacted (it gets the standard serialized request). */
export function redactRequest(req: SerializedRequest): SerializedRequest {
  const query = req.query && typeof req.query === 'object' ? { ...(req.query as Record<string, unknown>) } : req.query;
  if (query && typeof query === 'object' && 'token' in query) (query as Record<string, unknown>).token = REDACTED;
  return {
    ...req,
    url: typeof req.url === 'string' ? redactQuery(redactSecrets(req.url)) : req.url,
    query: scrubSecrets(query),
    headers: redactHeaders(req.headers),
  };
}

export function redactResponse(res: { headers?: Record<string, unknown>; [key: string]: unknown }): unknown {
  return { ...res, headers: redactHeaders(res.headers) };
}

/**
 * Access logs (pino-http) with the redacting serializers, skipping probes. Undefined when the
 * logger would drop info lines anyway: pino-http costs a few percent of a request even then.
 */
export function requestLogger(logger: Logger): RequestHandler | undefined {
  if (!logger.isLevelEnabled('info')) return undefined;
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    // The id `requestIds` gave the request, so access log lines and the worker's lines match.
    genReqId: (req) => requestIdOf(req),
    serializers: { req: redactRequest, res: redactResponse },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    // A client's mistake is not our error: 4xx at info, only 5xx at error.
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
  }) as unknown as RequestHandler;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const idOfRequest = new WeakMap<IncomingMessage, string>();

/** The request's id: the client's `X-Request-Id` when it is a short token, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  let id = idOfRequest.get(req);
  if (id === undefined) {
    const given = req.headers['x-request-id'];
    id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    idOfRequest.set(req, id);
  }
  return id;
}

/**
 * Gives every request an id and answers it in `X-Request-Id`. Ingest records it in the events a
 * request writes, so the worker's log lines about their effects carry it too.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Request-Id', requestIdOf(req));
    next();
  };
}
