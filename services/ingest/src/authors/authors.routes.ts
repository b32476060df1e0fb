import { Router } from 'express';
import { AppError, isValidSlug } from '@careerfeed/core';
import { type Authenticate, jsonBody, methodNotAllowed } from '@careerfeed/http';
import {
  type PostsDeps,
  authorBodySchema,
  authorRowToResource,
  getAuthorResource,
  listAuthorResources,
  upsertAuthor,
} from '@careerfeed/posts';
import { parseOrThrow } from '../http/validation';

function authorSlug(value: string): string {
  if (!isValidSlug(value)) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'An author slug is lowercase letters, digits and single dashes, e.g. "maya-okafor"',
      errors: [{ path: 'slug', message: 'is not a valid slug' }],
    });
  }
  return value;
}

export function authorsRouter(deps: PostsDeps, authenticate: Authenticate): Router {
  const router = Router();
  const writer = authenticate('posts:write');

  router
    .route('/authors')
    .get(writer, async (_req, res) => {
      res.json({ items: await listAuthorResources(deps.db.kysely) });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/authors/:slug')
    .get(writer, async (req, res) => {
      res.json(await getAuthorResource(deps.db.kysely, authorSlug(req.params.slug)));
    })
    .put(writer, ...jsonBody, async (req, res) => {
      const slug = authorSlug(req.params.slug);
      const body = parseOrThrow(authorBodySchema, req.body);
      const now = (deps.now?.() ?? new Date()).toISOString();
      const { author, created } = await upsertAuthor(deps.db.kysely, { slug, ...body }, now);
      res.status(created ? 201 : 200).json(authorRowToResource(author));
    })
    .all(methodNotAllowed(['GET', 'PUT']));

  return router;
}
