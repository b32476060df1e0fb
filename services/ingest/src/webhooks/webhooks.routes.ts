import { Router } from 'express';
import { AppError } from '@careerfeed/core';
import { type Authenticate, jsonBody, methodNotAllowed } from '@careerfeed/http';
import { parseOrThrow } from '../http/validation';
import {
  createWebhookSchema,
  listDeliveriesQuerySchema,
  rotateWebhookSecretSchema,
  updateWebhookSchema,
} from '@careerfeed/sharing';
import * as webhooks from '@careerfeed/sharing';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MESSAGE_ID_PATTERN = /^msg_[A-Za-z0-9_-]{1,64}$/;

// Anything that is not one of our ids names nothing: a 404 without asking the database.
function webhookId(value: string): string {
  if (!ID_PATTERN.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No webhook has the id "${value.slice(0, 80)}"` });
  return value;
}

function messageId(value: string): string {
  if (!MESSAGE_ID_PATTERN.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No delivery has the id "${value.slice(0, 80)}"` });
  return value;
}

/** Webhook destinations and their deliveries: admin only (a destination receives every post). */
export function webhooksRouter(deps: webhooks.WebhooksDeps, authenticate: Authenticate): Router {
  const router = Router();
  const admin = authenticate('admin');

  router
    .route('/webhooks')
    .post(admin, ...jsonBody, async (req, res) => {
      const created = await webhooks.createWebhook(deps, parseOrThrow(createWebhookSchema, req.body));
      res.status(201).location(`/v1/webhooks/${created.id}`).json(created);
    })
    .get(admin, async (_req, res) => {
      res.json({ items: await webhooks.listWebhooks(deps) });
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/webhooks/:id')
    .get(admin, async (req, res) => {
      res.json(await webhooks.getWebhook(deps, webhookId(req.params.id)));
    })
    .patch(admin, ...jsonBody, async (req, res) => {
      const id = webhookId(req.params.id);
      res.json(await webhooks.updateWebhook(deps, id, parseOrThrow(updateWebhookSchema, req.body)));
    })
    .delete(admin, async (req, res) => {
      await webhooks.deleteWebhook(deps, webhookId(req.params.id));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  // A new secret, shown once; the old one keeps signing for the overlap (default 24 h).
  router
    .route('/webhooks/:id/rotate-secret')
    .post(admin, ...jsonBody, async (req, res) => {
      const id = webhookId(req.params.id);
      const input = parseOrThrow(rotateWebhookSecretSchema, req.body ?? {});
      res.setHeader('Cache-Control', 'no-store');
      res.json(await webhooks.rotateWebhookSecret(deps, id, input));
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/webhooks/:id/deliveries')
    .get(admin, async (req, res) => {
      const id = webhookId(req.params.id);
      const query = parseOrThrow(listDeliveriesQuerySchema, { ...req.query }, 'query');
      res.json(await webhooks.listDeliveries(deps, id, query));
    })
    .all(methodNotAllowed(['GET']));

  // The dead letters: deliveries whose retries are exhausted.
  router
    .route('/webhooks/:id/dead-letters')
    .get(admin, async (req, res) => {
      const id = webhookId(req.params.id);
      const query = parseOrThrow(listDeliveriesQuerySchema.omit({ status: true }), { ...req.query }, 'query');
      res.json(await webhooks.listDeliveries(deps, id, { ...query, status: 'failed' }));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/webhooks/:id/deliveries/:messageId/replay')
    .post(admin, async (req, res) => {
      const delivery = await webhooks.replayDelivery(deps, webhookId(req.params.id), messageId(req.params.messageId));
      res.status(202).json(delivery);
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
