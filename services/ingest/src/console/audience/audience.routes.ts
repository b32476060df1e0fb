import express, { type Response } from 'express';
import { AppError, type FieldError, text } from '@careerfeed/core';
import {
  audienceGrowth,
  audienceOverview,
  isAddressSuppressed,
  listSuppressedAddresses,
  recentDigestRuns,
  searchSubscribers,
  subscribersCsv,
  suppressAddress,
  unsuppressAddress,
} from '@careerfeed/digests';
import { recordAudit } from '@careerfeed/staff';
import { type ConsoleDeps, type ConsoleSection, consoleOf, sendConsolePage, setNotice } from '../console-context';
import { confirmPage, dataTable, errorBox, field, formError, hidden, inputField, postForm, when } from '../page-parts';
import { renderLineChart } from './growth-chart';

const GROWTH_DAYS = 90;

/**
 * Editors and admins: how many subscribers, of which kind, and how digests fare — figures only.
 * Addresses (search, export, the suppression list) are the admin-only `subscribers` section.
 */
export const audienceSection: ConsoleSection = {
  path: '/audience',
  label: 'Audience',
  role: 'editor',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    router.get('/', async (_req, res) => {
      const [overview, growth, runs] = await Promise.all([
        audienceOverview(deps.db),
        audienceGrowth({ db: deps.db, now: deps.now }, GROWTH_DAYS),
        recentDigestRuns(deps.db, 20),
      ]);
      const isAdmin = consoleOf(res).staff.role === 'admin';
      const counts = (caption: string, record: Record<string, number>) =>
        dataTable(
          caption,
          ['', 'Subscribers'],
          Object.entries(record).map(([k, n]) => [text(k), String(n)]),
          'None.',
        );
      const first = growth[0];
      const last = growth[growth.length - 1];
      sendConsolePage(res, {
        title: 'Audience',
        main: [
          '<h1>Audience</h1>',
          isAdmin
            ? '<p><a href="/console/subscribers">Find a subscriber</a> · <a href="/console/subscribers/suppressions">Suppression list</a> · <a href="/console/subscribers/export.csv">Export every subscriber (CSV)</a></p>'
            : '<p class="hint">Figures only: addresses are visible to admins.</p>',
          '<div class="cards">',
          `<div class="card"><h2>Active</h2><p class="figure">${overview.byStatus.active}</p></div>`,
          `<div class="card"><h2>Waiting for confirmation</h2><p class="figure">${overview.byStatus.pending}</p></div>`,
          `<div class="card"><h2>Unsubscribed</h2><p class="figure">${overview.byStatus.unsubscribed}</p></div>`,
          `<div class="card"><h2>Suspended (bounces)</h2><p class="figure">${overview.byStatus.suspended}</p></div>`,
          '</div>',
          '<h2>Active subscribers by frequency</h2>',
          counts('Active subscribers by digest frequency', overview.byFrequency),
          '<h2>Active subscribers by topic</h2>',
          dataTable(
            'Active subscribers following each topic (one subscriber may follow several)',
            ['Topic', 'Subscribers'],
            [
              ['every post (no topic chosen)', String(overview.everything)],
              ...overview.byTopic.map((t) => [text(t.topic), String(t.subscribers)]),
            ],
            'No active subscribers.',
          ),
          `<h2>Growth over the last ${GROWTH_DAYS} days</h2>`,
          last ? `<p>${last.audience} subscribers at the end of ${text(last.day)}.</p>` : '',
          `<figure>${renderLineChart(
            growth.map((p) => ({ day: p.day, value: p.audience })),
            `Subscribers at the end of each day, ${first?.day ?? ''} to ${last?.day ?? ''}`,
          )}<figcaption class="hint">The same figures, day by day, are in the table below.</figcaption></figure>`,
          '<details><summary>Growth as a table</summary>',
          dataTable(
            'Subscribers per day',
            ['Day', 'Confirmed', 'Unsubscribed', 'Subscribers at the end of the day'],
            growth.map((p) => [text(p.day), String(p.confirmed), String(p.unsubscribed), String(p.audience)]),
            'No data.',
          ),
          '</details>',
          '<h2>Digest runs</h2>',
          dataTable(
            'The latest digest runs, one row per period',
            ['Period', 'Started', 'Sent', 'Skipped', 'Failing (retrying)', 'Bounced', 'Unsubscribed within 7 days'],
            runs.map((r) => [
              `<code>${text(r.period_key)}</code>`,
              when(r.first_at),
              String(r.sent),
              String(r.skipped),
              String(r.failing),
              String(r.bounced),
              String(r.unsubscribedAfter),
            ]),
            'No digest has gone out yet: digests start once someone has confirmed a subscription.',
          ),
        ].join('\n'),
      });
    });
    return router;
  },
};

/** Admins: subscribers' addresses — search, CSV export, the suppression list. */
export const subscribersSection: ConsoleSection = {
  path: '/subscribers',
  role: 'admin',
  routes(deps: ConsoleDeps) {
    const router = express.Router();

    router.get('/', async (req, res) => {
      const query = typeof req.query.q === 'string' ? req.query.q : '';
      let results: Awaited<ReturnType<typeof searchSubscribers>> | undefined;
      let problem: { status: number; detail: string; errors: FieldError[] } | undefined;
      if (query !== '') {
        try {
          results = await searchSubscribers(deps.db, query);
        } catch (error) {
          problem = formError(error);
          if (!problem) throw error;
        }
      }
      const suppressed = new Map<string, boolean>();
      for (const r of results ?? []) suppressed.set(r.email, await isAddressSuppressed(deps.db, r.email));
      sendConsolePage(res, {
        status: problem?.status,
        title: 'Find a subscriber',
        main: [
          '<h1>Find a subscriber</h1>',
          '<p><a href="/console/audience">Audience</a> · <a href="/console/subscribers/suppressions">Suppression list</a> · <a href="/console/subscribers/export.csv">Export every subscriber (CSV)</a></p>',
          `<form method="get" action="/console/subscribers" role="search">${inputField(
            'q',
            'Address, or part of it',
            query,
            {
              type: 'search',
              hint: 'At least 3 characters; not case-sensitive.',
              error: problem?.errors[0]?.message,
            },
          )}<button type="submit">Search</button></form>`,
          results === undefined
            ? ''
            : dataTable(
                `Subscribers whose address contains “${query}” (at most 50)`,
                [
                  'Address',
                  'State',
                  'Frequency',
                  'Topics',
                  'Subscribed',
                  'Confirmed',
                  'Unsubscribed',
                  'Bounces',
                  'Suppressed',
                ],
                results.map((r) => [
                  text(r.email),
                  text(r.paused ? `${r.status}, paused` : r.status),
                  text(r.frequency),
                  text(r.topics === '[]' ? 'every post' : r.topics),
                  when(r.created_at),
                  when(r.confirmed_at),
                  when(r.unsubscribed_at),
                  String(r.hard_bounces),
                  suppressed.get(r.email)
                    ? 'yes'
                    : postForm(
                        res,
                        '/console/subscribers/suppressions',
                        hidden('email', r.email) + hidden('reason', 'suppressed from the subscriber search'),
                        'Suppress',
                        {
                          inline: true,
                          buttonClass: 'secondary',
                        },
                      ),
                ]),
                'No subscriber has an address like that.',
              ),
        ].join('\n'),
      });
    });

    // Streamed: one page of rows in memory at a time, whatever the size of the list.
    router.get('/export.csv', async (_req, res) => {
      const now = deps.now();
      await recordAudit(deps.db, { actor: consoleOf(res).actor, action: 'subscribers.exported', now });
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="subscribers-${now.toISOString().slice(0, 10)}.csv"`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      try {
        for await (const chunk of subscribersCsv(deps.db)) {
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
          if (res.destroyed) return;
        }
        res.end();
      } catch (error) {
        // Headers are gone: the only honest signal left is a cut-off download.
        deps.logger.error({ err: error }, 'subscriber export failed midway');
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });

    async function suppressionsPage(
      res: Response,
      problem?: { status: number; detail: string; errors: FieldError[] },
      values = { email: '', reason: '' },
    ) {
      const rows = await listSuppressedAddresses(deps.db);
      sendConsolePage(res, {
        status: problem?.status,
        title: 'Suppression list',
        main: [
          '<h1>Suppression list</h1>',
          '<p>Addresses here get no mail from us at all — no digest, no confirmation — whatever their subscription says, and cannot subscribe again.</p>',
          '<p><a href="/console/subscribers">Find a subscriber</a> · <a href="/console/audience">Audience</a></p>',
          problem ? errorBox(problem.detail, problem.errors) : '',
          '<h2>Add an address</h2>',
          postForm(
            res,
            '/console/subscribers/suppressions',
            '<div class="row">' +
              inputField('email', 'Email address', values.email, {
                type: 'email',
                required: true,
                error: problem?.errors.find((e) => e.path === 'email')?.message,
              }) +
              inputField('reason', 'Reason (for the record)', values.reason, {
                maxLength: 500,
                hint: 'e.g. spam complaint, request by phone',
              }) +
              '</div>',
            'Add to the suppression list',
          ),
          '<h2>Suppressed addresses</h2>',
          dataTable(
            'Suppressed addresses, newest first',
            ['Address', 'Reason', 'Added', ''],
            rows.map((r) => [
              text(r.email),
              text(r.reason),
              when(r.created_at),
              `<a href="/console/subscribers/suppressions/remove?email=${encodeURIComponent(r.email)}">Remove…<span class="hint"> ${text(r.email)}</span></a>`,
            ]),
            'No address is suppressed. Add one above when someone must never be mailed again.',
          ),
        ].join('\n'),
      });
    }

    router.get('/suppressions', async (_req, res) => suppressionsPage(res));

    router.post('/suppressions', async (req, res) => {
      const values = { email: field(req.body, 'email'), reason: field(req.body, 'reason') };
      let result;
      try {
        result = await suppressAddress({ db: deps.db, now: deps.now }, values);
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        await suppressionsPage(res, problem, values);
        return;
      }
      if (result.added) {
        await recordAudit(deps.db, {
          actor: consoleOf(res).actor,
          action: 'address.suppressed',
          target: `email:${result.row.email_key}`,
          details: { reason: result.row.reason },
          now: deps.now(),
        });
      }
      setNotice(
        res,
        result.added ? `${result.row.email} will get no more mail.` : `${result.row.email} was already on the list.`,
      );
      res.redirect(303, '/console/subscribers/suppressions');
    });

    router.get('/suppressions/remove', async (req, res) => {
      const email = typeof req.query.email === 'string' ? req.query.email : '';
      if (email === '')
        throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'That address is not on the suppression list' });
      sendConsolePage(res, {
        title: 'Remove from the suppression list',
        main: confirmPage(res, {
          heading: `Mail ${email} again?`,
          consequences: [
            'Removing the address lets it subscribe again, and lets any active subscription of it receive digests again.',
            'Only do this when its owner asked for mail again.',
          ],
          action: '/console/subscribers/suppressions/remove',
          fields: { email },
          confirmLabel: 'Remove from the suppression list',
          cancelHref: '/console/subscribers/suppressions',
        }),
      });
    });

    router.post('/suppressions/remove', async (req, res) => {
      const email = field(req.body, 'email');
      await unsuppressAddress(deps.db, email);
      await recordAudit(deps.db, {
        actor: consoleOf(res).actor,
        action: 'address.unsuppressed',
        target: `email:${email.trim().toLowerCase()}`,
        now: deps.now(),
      });
      setNotice(res, `${email} is no longer suppressed.`);
      res.redirect(303, '/console/subscribers/suppressions');
    });

    return router;
  },
};
