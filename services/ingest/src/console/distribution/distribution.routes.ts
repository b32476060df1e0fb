import express, { type Response } from 'express';
import { ZodError } from 'zod';
import { AppError, type FieldError, attr, text } from '@careerfeed/core';
import { SCOPES, type Scope, createApiKey, listApiKeySummaries, revokeApiKeyById } from '@careerfeed/http';
import { requestSourcePoll } from '@careerfeed/jobs';
import {
  type SourceResource,
  type SourcesDeps,
  allowDeletedPartnerPost,
  createSource,
  createSourceSchema,
  changeSourceUrl,
  getSource,
  listDeletedPartnerPosts,
  listSources,
  requestPollNow,
} from '@careerfeed/posts';
import {
  type WebhooksDeps,
  getWebhook,
  listDeliveries,
  listWebhooks,
  replayDeadLetters,
  replayDelivery,
  rotateWebhookSecret,
} from '@careerfeed/sharing';
import { recordAudit } from '@careerfeed/staff';
import { type ConsoleDeps, type ConsoleSection, consoleOf, sendConsolePage, setNotice } from '../console-context';
import { confirmPage, dataTable, errorBox, field, formError, hidden, inputField, postForm, when } from '../page-parts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MESSAGE_ID = /^msg_[A-Za-z0-9_-]{1,64}$/;

function idParam(value: string | undefined, what: string): string {
  if (!value || !UUID.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No ${what} has that id` });
  return value;
}

const NAV =
  '<p><a href="/console/distribution/webhooks">Webhooks</a> · <a href="/console/distribution/sources">Partner sources</a> · <a href="/console/distribution/api-keys">API keys</a></p>';

function healthOf(s: SourceResource): string {
  if (s.health.last_poll_at === null) return '<span class="badge">not polled yet</span>';
  if (s.health.consecutive_failures > 0)
    return `<span class="badge warn">failing (${s.health.consecutive_failures} in a row)</span>`;
  return '<span class="badge">healthy</span>';
}

/** Admins: where posts go (webhooks), where they come from (partner sources), and API keys. */
export const distributionSection: ConsoleSection = {
  path: '/distribution',
  label: 'Distribution',
  role: 'admin',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    const wiring = deps.distribution;
    const webhooksDeps = (): WebhooksDeps => {
      if (!wiring)
        throw new AppError({
          code: 'SERVICE_UNAVAILABLE',
          status: 503,
          detail: 'Webhooks are not wired into this console',
        });
      return {
        db: deps.db,
        now: deps.now,
        deliveriesQueue: wiring.webhookDeliveries,
        allowPrivateNetworks: wiring.allowPrivateNetworks,
        secretsKey: wiring.webhookSecretsKey,
      };
    };
    const sourcesDeps: SourcesDeps = {
      db: deps.db,
      publicBaseUrl: deps.publicBaseUrl,
      now: deps.now,
      onEventsWritten: deps.onEventsWritten,
      allowPrivateNetworks: wiring?.allowPrivateNetworks ?? false,
      requestPoll: wiring?.sourcePolls
        ? (sourceId: string) => requestSourcePoll(wiring.sourcePolls!, { sourceId, force: true })
        : undefined,
    };
    const audit = (res: Response, action: string, target: string, details?: Record<string, unknown>) =>
      recordAudit(deps.db, { actor: consoleOf(res).actor, action, target, details, now: deps.now() });

    router.get('/', (_req, res) => res.redirect(303, '/console/distribution/webhooks'));

    // ---- webhooks --------------------------------------------------------------------------

    router.get('/webhooks', async (_req, res) => {
      const webhooks = await listWebhooks(webhooksDeps());
      sendConsolePage(res, {
        title: 'Webhooks',
        main: [
          '<h1>Webhooks</h1>',
          NAV,
          dataTable(
            'Webhook destinations',
            ['Address', 'Networks', 'State'],
            webhooks.map((w) => [
              `<a href="/console/distribution/webhooks/${attr(w.id)}">${text(w.url)}</a>`,
              text(w.networks.join(', ')),
              w.enabled
                ? '<span class="badge">enabled</span>'
                : `<span class="badge warn">disabled (${text(w.disabled_reason ?? 'operator')})</span>`,
            ]),
            'No webhook destination yet. An admin key adds one with POST /v1/webhooks (see /docs).',
          ),
        ].join('\n'),
      });
    });

    router.get('/webhooks/:id', async (req, res) => {
      const id = idParam(req.params.id, 'webhook');
      const status = req.query.status === 'failed' || req.query.status === 'pending' ? req.query.status : undefined;
      const w = webhooksDeps();
      const [webhook, deliveries] = await Promise.all([
        getWebhook(w, id),
        listDeliveries(w, id, { limit: 50, status }),
      ]);
      const base = `/console/distribution/webhooks/${id}`;
      const dead = deliveries.items.filter((d) => d.status === 'failed').length;
      sendConsolePage(res, {
        title: `Webhook ${webhook.url}`,
        main: [
          `<h1>Webhook</h1><p><code>${text(webhook.url)}</code></p>`,
          NAV,
          `<p>${webhook.enabled ? '<span class="badge">enabled</span>' : `<span class="badge warn">disabled (${text(webhook.disabled_reason ?? 'operator')})</span>`} Networks: ${text(webhook.networks.join(', '))}.</p>`,
          `<p>Show: <a href="${attr(base)}"${status === undefined ? ' aria-current="page"' : ''}>recent deliveries</a> · <a href="${attr(base)}?status=failed"${status === 'failed' ? ' aria-current="page"' : ''}>dead letters</a> · <a href="${attr(base)}?status=pending"${status === 'pending' ? ' aria-current="page"' : ''}>pending</a></p>`,
          dead > 0 && webhook.enabled ? postForm(res, `${base}/retry-dead`, '', `Retry the ${dead} dead letters`) : '',
          dataTable(
            'Recent deliveries, newest first (at most 50)',
            ['Message', 'Network', 'Outcome', 'Attempts', 'Last error', 'Created', ''],
            deliveries.items.map((d) => [
              `<code>${text(d.id)}</code>`,
              text(d.network),
              d.status === 'failed' ? '<span class="badge warn">dead letter</span>' : text(d.status),
              d.attempts
                .map(
                  (a) => `${when(a.attempted_at)} ${text(a.outcome)}${a.status_code ? ` (HTTP ${a.status_code})` : ''}`,
                )
                .join('<br>') || '—',
              text(d.last_error ?? '—'),
              when(d.created_at),
              (d.status === 'failed' || d.status === 'cancelled') && webhook.enabled
                ? postForm(res, `${base}/deliveries/${encodeURIComponent(d.id)}/retry`, '', 'Retry', {
                    inline: true,
                    buttonClass: 'secondary',
                  })
                : '',
            ]),
            status === 'failed'
              ? 'No dead letters: every delivery went through or is still being tried.'
              : 'No delivery yet.',
          ),
          '<h2>Signing secret</h2>',
          '<p>Rotating makes a new secret, shown once; the old one keeps signing alongside it for 24 hours so the receiver can switch over.</p>',
          `<p><a href="${attr(base)}/rotate-secret">Rotate the secret…</a></p>`,
        ].join('\n'),
      });
    });

    router.post('/webhooks/:id/deliveries/:messageId/retry', async (req, res) => {
      const id = idParam(req.params.id, 'webhook');
      const messageId = req.params.messageId;
      if (!MESSAGE_ID.test(messageId))
        throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No delivery has that id' });
      try {
        await replayDelivery(webhooksDeps(), id, messageId);
        await audit(res, 'webhook.delivery_retried', `webhook:${id}`, { messageId });
        setNotice(res, `Delivery ${messageId} is queued again.`);
      } catch (error) {
        // Retried already (a second click, another tab): nothing is queued twice.
        if (!(error instanceof AppError && error.status === 409)) throw error;
        setNotice(res, error.message);
      }
      res.redirect(303, `/console/distribution/webhooks/${id}`);
    });

    router.post('/webhooks/:id/retry-dead', async (req, res) => {
      const id = idParam(req.params.id, 'webhook');
      const result = await replayDeadLetters(webhooksDeps(), id);
      await audit(res, 'webhook.dead_letters_retried', `webhook:${id}`, result);
      setNotice(
        res,
        `${result.replayed} dead letters queued again${result.alreadyRetried ? `; ${result.alreadyRetried} were already being retried` : ''}.`,
      );
      res.redirect(303, `/console/distribution/webhooks/${id}`);
    });

    router.get('/webhooks/:id/rotate-secret', async (req, res) => {
      const id = idParam(req.params.id, 'webhook');
      const webhook = await getWebhook(webhooksDeps(), id);
      sendConsolePage(res, {
        title: 'Rotate the signing secret',
        main: confirmPage(res, {
          heading: 'Rotate the signing secret?',
          consequences: [
            `A new secret for ${webhook.url} is made and shown once, on the next page.`,
            'For 24 hours deliveries carry signatures of both the old and the new secret; then only the new one.',
            'The receiver must be given the new secret within those 24 hours.',
          ],
          action: `/console/distribution/webhooks/${id}/rotate-secret`,
          confirmLabel: 'Rotate the secret',
          cancelHref: `/console/distribution/webhooks/${id}`,
        }),
      });
    });

    router.post('/webhooks/:id/rotate-secret', async (req, res) => {
      const id = idParam(req.params.id, 'webhook');
      const rotated = await rotateWebhookSecret(webhooksDeps(), id, {});
      await audit(res, 'webhook.secret_rotated', `webhook:${id}`, {
        previousExpiresAt: rotated.previous_secret_expires_at,
      });
      // Shown in this answer only (no redirect: the secret must not sit in a cookie or a URL).
      sendConsolePage(res, {
        title: 'New signing secret',
        main: [
          '<h1>New signing secret</h1>',
          `<p>For <code>${text(rotated.url)}</code>. Copy it now: it is shown this once and cannot be shown again.</p>`,
          `<div class="field"><label for="secret">Secret</label><input id="secret" type="text" readonly value="${attr(rotated.secret)}" autocomplete="off" spellcheck="false"></div>`,
          rotated.previous_secret_expires_at
            ? `<p>The previous secret keeps signing until ${when(rotated.previous_secret_expires_at)}.</p>`
            : '',
          `<p><a href="/console/distribution/webhooks/${attr(id)}">Back to the webhook</a></p>`,
        ].join('\n'),
      });
    });

    // ---- partner sources -------------------------------------------------------------------

    async function sourcesPage(
      res: Response,
      form: { url: string; kind: string } = { url: '', kind: 'feed' },
      problem?: { status: number; detail: string; errors: FieldError[] },
    ): Promise<void> {
      const sources = await listSources(sourcesDeps);
      const urlError = problem?.errors.find((e) => e.path === 'url')?.message;
      const kindChoice = (value: string, label: string, hint: string) =>
        `<div><input type="radio" id="kind-${value}" name="kind" value="${value}"${form.kind === value ? ' checked' : ''} aria-describedby="kind-${value}-hint"> <label for="kind-${value}">${text(label)}</label><p class="hint" id="kind-${value}-hint">${text(hint)}</p></div>`;
      sendConsolePage(res, {
        title: 'Partner sources',
        status: problem?.status,
        main: [
          '<h1>Partner sources</h1>',
          NAV,
          '<h2>Add a partner blog</h2>',
          errorBox(
            problem?.detail,
            problem?.errors.filter((e) => e.path !== 'url'),
          ),
          postForm(
            res,
            '/console/distribution/sources',
            [
              '<fieldset><legend>What kind of address is it?</legend>',
              kindChoice(
                'feed',
                'An RSS, Atom or JSON feed',
                'The feed address, e.g. https://alumni.example.edu/feed/',
              ),
              kindChoice(
                'wordpress',
                'A WordPress site',
                "Paste the site's address, e.g. https://engineering.example.edu: posts come through its REST API (its feed when the API is off).",
              ),
              '</fieldset>',
              inputField('url', 'Address', form.url, {
                type: 'url',
                required: true,
                maxLength: 2048,
                error: urlError,
                hint: 'A public http(s) address. It is fetched within a minute, then every 30 minutes.',
              }),
            ].join(''),
            'Add the partner blog',
          ),
          '<h2>Partner blogs we syndicate</h2>',
          dataTable(
            'Partner feeds we syndicate',
            ['Feed', 'Health', 'Last success', 'Last error', 'Posts', 'Next poll', ''],
            sources.map((s) => [
              `<a href="/console/distribution/sources/${attr(s.id)}">${text(s.title ?? s.url)}</a><br><code>${text(s.url)}</code>`,
              healthOf(s),
              when(s.health.last_success_at),
              s.health.last_error
                ? `${when(s.health.last_error.at)} <code>${text(s.health.last_error.code)}</code> ${text(s.health.last_error.message)}`
                : '—',
              String(s.health.items_count),
              when(s.health.next_poll_at),
              postForm(res, `/console/distribution/sources/${encodeURIComponent(s.id)}/poll`, '', 'Poll now', {
                inline: true,
                buttonClass: 'secondary',
              }),
            ]),
            'No partner blog yet. Add one above (or with POST /v1/sources, see /docs).',
          ),
        ].join('\n'),
      });
    }

    router.get('/sources', async (_req, res) => sourcesPage(res));

    router.post('/sources', async (req, res) => {
      const form = { url: field(req.body, 'url').trim(), kind: field(req.body, 'kind') };
      let created;
      try {
        // The API's schema and service: the same validation, the same SSRF check, the same duplicate check.
        created = await createSource(
          sourcesDeps,
          createSourceSchema.parse({ url: form.url, kind: form.kind === 'wordpress' ? 'wordpress' : 'feed' }),
        );
      } catch (error) {
        const problem =
          error instanceof ZodError
            ? {
                status: 400,
                detail: 'The partner blog was not added.',
                errors: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
              }
            : formError(error);
        if (!problem) throw error;
        await sourcesPage(res, form, problem);
        return;
      }
      await audit(res, 'source.created', `source:${created.id}`, { url: created.url, kind: created.kind });
      setNotice(res, `Added ${created.url}; its first poll runs within a minute.`);
      res.redirect(303, `/console/distribution/sources/${created.id}`);
    });

    async function sourcePage(
      res: Response,
      id: string,
      form?: { url: string },
      problem?: { status: number; detail: string; errors: FieldError[] },
    ) {
      const [source, deleted] = await Promise.all([
        getSource(sourcesDeps, id),
        listDeletedPartnerPosts(sourcesDeps, id),
      ]);
      const base = `/console/distribution/sources/${id}`;
      sendConsolePage(res, {
        status: problem?.status,
        title: `Source ${source.title ?? source.url}`,
        main: [
          `<h1>${text(source.title ?? source.url)}</h1>`,
          NAV,
          problem ? errorBox(problem.detail, problem.errors) : '',
          `<p>${healthOf(source)} Polled every ${source.interval_minutes} minutes; next ${when(source.health.next_poll_at)}. ${source.health.items_count} posts.</p>`,
          source.health.last_error
            ? `<p>Last error ${when(source.health.last_error.at)}: <code>${text(source.health.last_error.code)}</code> ${text(source.health.last_error.message)}</p>`
            : '',
          postForm(res, `${base}/poll`, '', 'Poll now'),
          '<h2>Feed address</h2>',
          postForm(
            res,
            `${base}/url`,
            inputField('url', 'Address of the partner feed', form?.url ?? source.url, {
              type: 'url',
              required: true,
              hint: 'A public http(s) address. Posts already syndicated stay.',
              error: problem?.errors.find((e) => e.path === 'url')?.message,
            }),
            'Change the address',
          ),
          '<h2>Deleted posts</h2>',
          '<p>Posts of this feed that staff deleted. Polls skip them although the partner still lists them.</p>',
          dataTable(
            'Deleted posts of this source',
            ['Title', 'Item id', 'Deleted', ''],
            deleted.map((d) => [
              text(d.title),
              `<code>${text(d.external_id)}</code>`,
              when(d.deleted_at),
              postForm(res, `${base}/deleted/allow`, hidden('external_id', d.external_id), 'Allow back', {
                inline: true,
                buttonClass: 'secondary',
              }),
            ]),
            'None: no post of this source was deleted.',
          ),
        ].join('\n'),
      });
    }

    router.get('/sources/:id', async (req, res) => sourcePage(res, idParam(req.params.id, 'source')));

    router.post('/sources/:id/poll', async (req, res) => {
      const id = idParam(req.params.id, 'source');
      await requestPollNow(sourcesDeps, id);
      await audit(res, 'source.poll_requested', `source:${id}`);
      setNotice(res, 'A poll is queued; its outcome shows here within a minute.');
      res.redirect(
        303,
        req.get('referer')?.endsWith('/sources')
          ? '/console/distribution/sources'
          : `/console/distribution/sources/${id}`,
      );
    });

    router.post('/sources/:id/url', async (req, res) => {
      const id = idParam(req.params.id, 'source');
      const url = field(req.body, 'url').trim();
      let changed;
      try {
        changed = await changeSourceUrl(sourcesDeps, id, url);
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        await sourcePage(res, id, { url }, problem);
        return;
      }
      await audit(res, 'source.url_changed', `source:${id}`, { url: changed.url });
      await sourcesDeps.requestPoll?.(id).catch(() => undefined);
      setNotice(res, 'The address is changed; the feed is polled there next.');
      res.redirect(303, `/console/distribution/sources/${id}`);
    });

    router.post('/sources/:id/deleted/allow', async (req, res) => {
      const id = idParam(req.params.id, 'source');
      const externalId = field(req.body, 'external_id');
      await allowDeletedPartnerPost(sourcesDeps, id, externalId);
      await audit(res, 'source.deleted_post_allowed', `source:${id}`, { externalId });
      setNotice(res, 'That item comes back on the next poll if the partner still lists it.');
      res.redirect(303, `/console/distribution/sources/${id}`);
    });

    // ---- API keys --------------------------------------------------------------------------

    async function keysPage(
      res: Response,
      extra: {
        created?: { name: string; key: string };
        problem?: { status: number; detail: string; errors: FieldError[] };
        name?: string;
      } = {},
    ) {
      const keys = await listApiKeySummaries(deps.db);
      if (extra.created) res.setHeader('Cache-Control', 'no-store');
      sendConsolePage(res, {
        status: extra.problem?.status ?? (extra.created ? 201 : undefined),
        title: 'API keys',
        main: [
          '<h1>API keys</h1>',
          NAV,
          extra.problem ? errorBox(extra.problem.detail, extra.problem.errors) : '',
          extra.created
            ? `<div class="notice" role="status"><p>Key “${text(extra.created.name)}” created. Copy it now: it is shown this once and is not stored.</p><div class="field"><label for="new-key">The new key</label><input id="new-key" type="text" readonly value="${attr(extra.created.key)}" autocomplete="off" spellcheck="false"></div></div>`
            : '',
          '<h2>Create a key</h2>',
          postForm(
            res,
            '/console/distribution/api-keys',
            inputField('name', 'Name (who or what uses it)', extra.name ?? '', {
              required: true,
              maxLength: 100,
              error: extra.problem?.errors.find((e) => e.path === 'name')?.message,
            }) +
              `<fieldset><legend>Scope</legend><ul class="choices">${SCOPES.map(
                (s, i) =>
                  `<li><label><input type="radio" name="scope" value="${attr(s)}"${i === 0 ? ' checked' : ''}> ${text(s === 'admin' ? 'admin (everything, including webhooks and sources)' : `${s} (publish posts)`)}</label></li>`,
              ).join('')}</ul></fieldset>`,
            'Create the key',
          ),
          '<h2>Keys</h2>',
          dataTable(
            'API keys, newest first',
            ['Name', 'Starts with', 'Scopes', 'Created', 'Last used', 'State', ''],
            keys.map((k) => [
              text(k.name),
              `<code>${text(k.key_prefix)}…</code>`,
              text(k.scopes.join(', ')),
              when(k.created_at),
              when(k.last_used_at),
              k.revoked_at
                ? `<span class="badge warn">revoked</span> ${when(k.revoked_at)}`
                : '<span class="badge">active</span>',
              k.revoked_at
                ? ''
                : `<a href="/console/distribution/api-keys/${attr(k.id)}/revoke">Revoke…<span class="hint"> ${text(k.name)}</span></a>`,
            ]),
            'No API key yet. Create one above for a campus site or a script.',
          ),
        ].join('\n'),
      });
    }

    router.get('/api-keys', async (_req, res) => keysPage(res));

    router.post('/api-keys', async (req, res) => {
      const name = field(req.body, 'name').trim();
      const scope = field(req.body, 'scope');
      const errors: FieldError[] = [];
      if (name === '' || name.length > 100) errors.push({ path: 'name', message: 'must have 1 to 100 characters' });
      if (!(SCOPES as readonly string[]).includes(scope))
        errors.push({ path: 'scope', message: `must be one of ${SCOPES.join(', ')}` });
      if (errors.length > 0) {
        await keysPage(res, { problem: { status: 400, detail: 'The key was not created.', errors }, name });
        return;
      }
      const created = await createApiKey(deps.db, name, [scope as Scope], deps.now());
      await audit(res, 'api_key.created', `api_key:${created.id}`, { name, scopes: created.scopes });
      // Shown in this answer only: never in a redirect, a cookie or the log.
      await keysPage(res, { created: { name, key: created.key } });
    });

    router.get('/api-keys/:id/revoke', async (req, res) => {
      const id = idParam(req.params.id, 'API key');
      const key = (await listApiKeySummaries(deps.db)).find((k) => k.id === id);
      if (!key) throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No API key has that id' });
      sendConsolePage(res, {
        title: 'Revoke an API key',
        main: confirmPage(res, {
          heading: `Revoke the key “${key.name}”?`,
          consequences: [
            `Every request with the key starting ${key.key_prefix} is refused from now on (401).`,
            'Whatever uses it stops working until it is given a new key. This cannot be undone.',
          ],
          action: `/console/distribution/api-keys/${id}/revoke`,
          confirmLabel: 'Revoke the key',
          cancelHref: '/console/distribution/api-keys',
        }),
      });
    });

    router.post('/api-keys/:id/revoke', async (req, res) => {
      const id = idParam(req.params.id, 'API key');
      const revoked = await revokeApiKeyById(deps.db, id, deps.now());
      if (revoked) await audit(res, 'api_key.revoked', `api_key:${id}`);
      setNotice(res, revoked ? 'The key is revoked.' : 'The key was already revoked.');
      res.redirect(303, '/console/distribution/api-keys');
    });

    return router;
  },
};
