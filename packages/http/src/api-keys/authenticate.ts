import type { RequestHandler } from 'express';
import { JSON_BODY_LIMIT_BYTES, rejectOversizedBodies } from '../problems';
import type { Principal, createAuthenticator } from './api-keys.service';
import type { Scope } from './api-keys';

/** `bodyLimitBytes`: for the few routes that take more than the usual JSON limit (the batch upload). */
export type Authenticate = (scope: Scope, options?: { bodyLimitBytes?: number }) => RequestHandler;

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

// Every authenticated route, with or without a body of its own: a declared body over the limit is
// refused from the head (a route that reads no body would otherwise leave the client sending it).
const refuseOversized = rejectOversizedBodies(JSON_BODY_LIMIT_BYTES);

/**
 * Runs before body parsing, so an unauthenticated client cannot make us read a large body; once
 * the key is accepted, a declared body over the limit gets 413 at once, on every route.
 */
export function authenticateWith(authenticator: ReturnType<typeof createAuthenticator>): Authenticate {
  return (scope, options = {}) => {
    const refuse =
      options.bodyLimitBytes === undefined ? refuseOversized : rejectOversizedBodies(options.bodyLimitBytes);
    return async (req, res, next) => {
      req.principal = await authenticator(req.headers.authorization, scope);
      refuse(req, res, next);
    };
  };
}
