import { Router } from 'express';
import { AppError, isValidSlug } from '@careerfeed/core';
import { methodNotAllowed, jsonBody } from '@careerfeed/http';
import type { PostsDeps } from '../posts/posts.service';
import type { Authenticate } from '../http/authenticate';
import { parseOrThrow } from '../http/validation';
import { authorBodySchema } from '../posts/posts.schema';
import * as authorsRepo from './authors.repository';
import { authorRowToResource, upsertAuthor } from './authors.service';

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
      const rows = await authorsRepo.listAuthors(deps.db.kysely);
      res.json({ items: rows.map(authorRowToResource) });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/authors/:slug')
    .get(writer, async (req, res) => {
      const row = await authorsRepo.findAuthorBySlug(deps.db.kysely, authorSlug(req.params.slug));
      if (!row) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No author has the slug "${req.params.slug}"` });
      res.json(authorRowToResource(row));
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
