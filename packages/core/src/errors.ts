/**
 * The one error type of the domain. Thrown anywhere, turned into RFC 9457 problem+json by one
 * middleware per service. `code` is stable and what tests and clients match on; `detail` is for
 * humans and may change.
 */
export interface FieldError {
  /** JSON-pointer-like path of the offending field, e.g. "tags/2" or "author/slug"; "" for the whole body. */
  path: string;
  message: string;
}

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'SLUG_TAKEN'
  | 'UNKNOWN_AUTHOR'
  | 'SHARE_PAYLOADS_NOT_READY'
  | 'CONFLICT'
  | 'DUPLICATE_IN_BATCH'
  | 'RATE_LIMITED'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_USED'
  | 'LINK_EXPIRED'
  | 'LINK_REVOKED'
  | 'SERVICE_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL';

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request body or parameters are invalid',
  MALFORMED_JSON: 'The request body is not valid JSON',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'The API key lacks the required scope',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  SLUG_TAKEN: 'The slug is already used by another post',
  UNKNOWN_AUTHOR: 'No author has that slug',
  SHARE_PAYLOADS_NOT_READY: 'The post has no share payloads yet',
  CONFLICT: 'The request conflicts with the current state',
  DUPLICATE_IN_BATCH: 'The batch names the same post twice',
  RATE_LIMITED: 'Too many requests',
  TOKEN_INVALID: 'The link is not valid',
  TOKEN_EXPIRED: 'The link has expired',
  TOKEN_USED: 'The link has already been used',
  LINK_EXPIRED: 'The link has expired',
  LINK_REVOKED: 'The link no longer manages a subscription',
  SERVICE_UNAVAILABLE: 'Temporarily unavailable',
  DATABASE_UNAVAILABLE: 'The database is temporarily unavailable',
  NOT_IMPLEMENTED: 'Not implemented',
  INTERNAL: 'Internal server error',
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  /** Sent as `Retry-After` (seconds) with the problem: for 503s and 429s. */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    code: ErrorCode;
    status: number;
    detail?: string;
    errors?: FieldError[];
    retryAfterSeconds?: number;
  }) {
    super(options.detail ?? TITLES[options.code]);
    this.name = 'AppError';
    this.code = options.code;
    this.status = options.status;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get title(): string {
    return TITLES[this.code];
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldError[];
}

/** RFC 9457 body for an AppError. `type` is a URN so it never points at a page that may not exist. */
export function toProblem(error: AppError, instance?: string): ProblemDocument {
  return {
    type: `urn:careerfeed:problem:${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}
