import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { AppError, toProblem } from '@careerfeed/core';
import { isDatabaseUnavailable } from '@careerfeed/db';
import { redactQuery } from '@careerfeed/config';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How long a client should wait after a 503 for a lost database connection (the pool reconnects at once). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** A lost database connection (or a busy SQLite file) as a 503 the client may retry; undefined for other errors. */
export function fromDatabaseOutage(error: unknown): AppError | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  return new AppError({
    code: 'DATABASE_UNAVAILABLE',
    status: 503,
    detail: 'The database is unavailable for a moment; nothing was saved, please retry',
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
  });
}

/**
 * Client errors raised by express itself and by body-parser, as precise 4xx: body-parser's have a
 * `type`; a path whose percent-encoding does not decode is the router's URIError (status 400); a
 * body that does not inflate (`Content-Encoding: gzip` over other bytes) is a bare 400. None of
 * them is our failure, so none is logged as an error.
 */
export function fromBodyParser(error: {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  limit?: unknown;
  charset?: unknown;
  message?: unknown;
}): AppError | undefined {
  if (error instanceof URIError || (error.status === 400 && /^Failed to decode param/.test(String(error.message)))) {
    return new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The URL is malformed: a percent-encoded sequence does not decode to UTF-8',
    });
  }
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError({
        code: 'MALFORMED_JSON',
        status: 400,
        detail: 'The request body is not valid JSON (a JSON object is expected)',
      });
    case 'entity.too.large':
      return new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        status: 413,
        detail: `The request body exceeds the limit of ${String(error.limit)} bytes`,
      });
    case 'parameters.too.many':
      return new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        status: 413,
        detail: 'The form has too many fields',
      });
    case 'charset.unsupported':
      return new AppError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        status: 415,
        detail: `Unsupported charset "${String(error.charset)}"; send UTF-8`,
      });
    case 'encoding.unsupported':
      return new AppError({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, detail: 'Unsupported Content-Encoding' });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError({ code: 'VALIDATION_FAILED', status: 400, detail: 'The request body could not be read' });
    default:
      break;
  }
  // Any other client error http-errors marks as safe to expose (inflating a corrupt body, mostly).
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  if (error.expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 415)
      return new AppError({ code: 'UNSUPPORTED_MEDIA_TYPE', status, detail: 'Unsupported Content-Encoding' });
    if (status === 413)
      return new AppError({ code: 'PAYLOAD_TOO_LARGE', status, detail: 'The request body is too large' });
    return new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The request body could not be read (does it match its Content-Encoding?)',
    });
  }
  return undefined;
}

/**
 * Answers 413 from the request head alone when it declares a body over `limitBytes`: the body
 * is never read (and the connection is closed rather than drained). Part of `jsonBody` (after
 * authentication: an unauthenticated client gets its 401 first); the feed app mounts it first,
 * the worker after its admin check. Bodies without a
 * Content-Length (chunked) are still capped by the body parsers while they read.
 */
export function rejectOversizedBodies(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limitBytes) {
      res.setHeader('Connection', 'close');
      sendProblem(
        res,
        new AppError({
          code: 'PAYLOAD_TOO_LARGE',
          status: 413,
          detail: `The request body exceeds the limit of ${limitBytes} bytes`,
        }),
      );
      return;
    }
    next();
  };
}

export function sendProblem(res: Parameters<RequestHandler>[1], error: AppError, instance?: string): void {
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="careerfeed"');
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(toProblem(error, instance)));
}

/** The one place errors become HTTP answers: known ones as RFC 9457 documents, unknown ones as a 500 that leaks nothing. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    // Refused before its body was read (a 401/403/404 ahead of body parsing): close the connection
    // rather than drain a body the client may still be sending, or never finish (a huge
    // Content-Length); a client waiting to finish its upload then sees the answer at once.
    if (!req.complete && Number(req.headers['content-length'] ?? 0) > 0) res.setHeader('Connection', 'close');
    const known =
      error instanceof AppError
        ? error
        : typeof error === 'object' && error !== null
          ? fromBodyParser(error as Record<string, unknown>)
          : undefined;
    if (known) {
      sendProblem(res, known, req.originalUrl.slice(0, 200));
      return;
    }
    const outage = fromDatabaseOutage(error);
    if (outage) {
      // Expected during a failover or restart: a warning without a stack, not an error.
      const { code, message } = error as { code?: unknown; message?: unknown };
      logger.warn(
        { code, reason: String(message), method: req.method, url: redactQuery(req.originalUrl.slice(0, 200)) },
        'database unavailable',
      );
      sendProblem(res, outage, req.originalUrl.slice(0, 200));
      return;
    }
    logger.error(
      { err: error, method: req.method, url: redactQuery(req.originalUrl.slice(0, 200)) },
      'unhandled error',
    );
    sendProblem(
      res,
      new AppError({ code: 'INTERNAL', status: 500, detail: 'Something went wrong on our side; it has been logged' }),
    );
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(
    res,
    new AppError({ code: 'NOT_FOUND', status: 404, detail: `Nothing here: ${req.method} ${req.path.slice(0, 200)}` }),
  );
};

/** For a route that exists under other methods: 405 with the Allow header (RFC 9110 §15.5.6). */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req, res) => {
    res.setHeader('Allow', allowed.join(', '));
    sendProblem(
      res,
      new AppError({
        code: 'METHOD_NOT_ALLOWED',
        status: 405,
        detail: `${req.method} is not allowed here; use ${allowed.join(', ')}`,
      }),
    );
  };
}

/** A post with a long article fits in 1 MB; anything larger is almost certainly a mistake or an attack. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** No body at all passes (the schema will say what is missing); a body of another type is a 415. */
const requireJsonContentType: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    next(
      new AppError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        status: 415,
        detail: `Send the body as application/json (got ${String(req.headers['content-type'] ?? 'no Content-Type')})`,
      }),
    );
    return;
  }
  next();
};

/**
 * For write routes, placed after authentication so an unauthenticated client cannot make us read
 * a large body: checks the content type, then parses the JSON.
 */
export const jsonBody: RequestHandler[] = jsonBodyUpTo(JSON_BODY_LIMIT_BYTES);

/** `jsonBody` with another limit, for the routes that take more than one post at a time. */
export function jsonBodyUpTo(limitBytes: number): RequestHandler[] {
  return [rejectOversizedBodies(limitBytes), requireJsonContentType, express.json({ limit: limitBytes, strict: true })];
}

/**
 * For routes people reach from an HTML form as well as from code: a form
 * (application/x-www-form-urlencoded) or JSON, parsed up to `limitBytes`; anything else with a body
 * is a 415, before a byte of it is parsed. `parameterLimit` caps the form's fields.
 */
export function formOrJsonBody(limit: number | string, parameterLimit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
      if (hasBody && !req.is(['application/x-www-form-urlencoded', 'application/json'])) {
        next(
          new AppError({
            code: 'UNSUPPORTED_MEDIA_TYPE',
            status: 415,
            detail: `Send a form (application/x-www-form-urlencoded) or JSON (got ${String(req.headers['content-type'] ?? 'no Content-Type').slice(0, 100)})`,
          }),
        );
        return;
      }
      next();
    },
    express.urlencoded({ extended: false, limit, parameterLimit }),
    express.json({ limit, strict: true }),
  ];
}
