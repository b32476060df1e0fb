import { Router } from 'express';
import { AppError } from '@careerfeed/core';
import { type Authenticate, jsonBody, methodNotAllowed } from '@careerfeed/http';
import { parseOrThrow } from '../http/validation';
import { createSourceSchema, updateSourceSchema } from '@careerfeed/posts';
import * as sources from '@careerfeed/posts';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function sourceId(value: string): string {
  if (!ID_PATTERN.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No source has the id "${value.slice(0, 80)}"` });
  return value;
}

/** Partner feeds (admin scope): add, inspect health, change, remove, poll now. */
export function sourcesRouter(deps: sources.SourcesDeps, authenticate: Authenticate): Router {
  const router = Router();
  const admin = authenticate('admin');

  router
    .route('/sources')
    .post(admin, ...jsonBody, async (req, res) => {
      const source = await sources.createSource(deps, parseOrThrow(createSourceSchema, req.body));
      res.status(201).location(`/v1/sources/${source.id}`).json(source);
    })
    .get(admin, async (_req, res) => {
      res.json({ items: await sources.listSources(deps) });
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/sources/:id')
    .get(admin, async (req, res) => {
      res.json(await sources.getSource(deps, sourceId(req.params.id)));
    })
    .patch(admin, ...jsonBody, async (req, res) => {
      const id = sourceId(req.params.id);
      res.json(await sources.updateSource(deps, id, parseOrThrow(updateSourceSchema, req.body)));
    })
    .delete(admin, async (req, res) => {
      await sources.deleteSource(deps, sourceId(req.params.id));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  router
    .route('/sources/:id/poll')
    .post(admin, async (req, res) => {
      res.status(202).json(await sources.requestPollNow(deps, sourceId(req.params.id)));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
