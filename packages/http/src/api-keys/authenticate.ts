import type { RequestHandler } from 'express';
import type { Principal, createAuthenticator } from './api-keys.service';
import type { Scope } from './api-keys';

export type Authenticate = (scope: Scope) => RequestHandler;

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Runs before body parsing, so an unauthenticated client cannot make us read a large body. */
export function authenticateWith(authenticator: ReturnType<typeof createAuthenticator>): Authenticate {
  return (scope) => async (req, _res, next) => {
    req.principal = await authenticator(req.headers.authorization, scope);
    next();
  };
}
