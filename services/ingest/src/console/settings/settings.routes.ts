import express, { type Response } from 'express';
import { AppError, attr, text } from '@careerfeed/core';
import { type Site, TEXT_DIRECTIONS, readSite, updateSite } from '@careerfeed/posts';
import { recordAudit } from '@careerfeed/staff';
import {
  type ConsoleDeps,
  type ConsoleSection,
  consoleOf,
  csrfField,
  sendConsolePage,
  setNotice,
} from '../console-context';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

type FormValues = Record<string, string>;

function valuesOf(site: Site): FormValues {
  return {
    title: site.title,
    description: site.description,
    url: site.url ?? '',
    language: site.language,
    direction: site.direction,
    logoUrl: site.logoUrl ?? '',
    iconUrl: site.iconUrl ?? '',
    brandColor: site.brandColor,
    accentColor: site.accentColor,
    postalAddress: site.postalAddress,
    defaultDigestHour: String(site.defaultDigestHour),
    defaultDigestWeekday: String(site.defaultDigestWeekday),
  };
}

function renderForm(res: Response, values: FormValues, errors: Record<string, string>): string {
  const input = (name: string, label: string, type = 'text', hint = '') =>
    `<div class="field"><label for="${name}">${text(label)}</label><input id="${name}" name="${name}" type="${type}" value="${attr(values[name] ?? '')}"${errors[name] ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''}>${errors[name] ? `<p class="errors" id="${name}-error">${text(errors[name])}</p>` : ''}${hint ? `<p class="hint">${text(hint)}</p>` : ''}</div>`;
  const select = (name: string, label: string, options: [string, string][]) =>
    `<div class="field"><label for="${name}">${text(label)}</label><select id="${name}" name="${name}">${options.map(([v, l]) => `<option value="${attr(v)}"${v === values[name] ? ' selected' : ''}>${text(l)}</option>`).join('')}</select>${errors[name] ? `<p class="errors">${text(errors[name])}</p>` : ''}</div>`;
  return [
    Object.keys(errors).length
      ? '<p class="errors" role="alert">The settings were not saved: see the fields marked below.</p>'
      : '',
    `<form method="post" action="/console/settings">${csrfField(res)}`,
    '<fieldset><legend>The site</legend>',
    input('title', 'Site name'),
    `<div class="field"><label for="description">Description</label><textarea id="description" name="description" rows="3" maxlength="2000">${text(values.description ?? '')}</textarea></div>`,
    input('url', 'Main website', 'url', 'Where “home” points in feeds, if not this site.'),
    '<div class="row">',
    input('language', 'Language', 'text', 'A language tag such as en or es-CL.'),
    select(
      'direction',
      'Text direction',
      TEXT_DIRECTIONS.map((d) => [
        d,
        d === 'auto' ? 'from the language' : d === 'ltr' ? 'left to right' : 'right to left',
      ]),
    ),
    '</div></fieldset>',
    '<fieldset><legend>Look</legend>',
    input('logoUrl', 'Logo URL', 'url'),
    input('iconUrl', 'Icon URL', 'url', 'Square; the logo stands in when empty.'),
    '<div class="row">',
    input('brandColor', 'Brand colour', 'text', 'Hex, e.g. #1f3a5f; dark enough for white text.'),
    input('accentColor', 'Accent colour (links, buttons)', 'text', 'Hex, e.g. #0b57d0.'),
    '</div></fieldset>',
    '<fieldset><legend>Mail</legend>',
    `<div class="field"><label for="postalAddress">Postal address (mail footer)</label><textarea id="postalAddress" name="postalAddress" rows="3" maxlength="500">${text(values.postalAddress ?? '')}</textarea>${values.postalAddress ? '' : '<p class="hint">Not set yet: anti-spam laws (CAN-SPAM) ask for a postal address in every mail.</p>'}</div>`,
    '<div class="row">',
    select(
      'defaultDigestHour',
      'Default digest hour',
      Array.from({ length: 24 }, (_, h) => [String(h), `${String(h).padStart(2, '0')}:00`]),
    ),
    select(
      'defaultDigestWeekday',
      'Default weekly digest day',
      WEEKDAYS.map((d, i) => [String(i + 1), d]),
    ),
    '</div><p class="hint">What new subscribers start with; they can change it.</p></fieldset>',
    '<button type="submit">Save settings</button>',
    '</form>',
  ].join('\n');
}

/** Admin: the site settings (packages/posts site.ts), validated there. */
export const settingsSection: ConsoleSection = {
  path: '/settings',
  label: 'Settings',
  role: 'admin',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    router.get('/', async (_req, res) => {
      const site = await readSite(deps.db.kysely);
      sendConsolePage(res, { title: 'Settings', main: `<h1>Settings</h1>${renderForm(res, valuesOf(site), {})}` });
    });
    router.post('/', async (req, res) => {
      const body = req.body as Record<string, unknown>;
      const values: FormValues = {};
      for (const key of Object.keys(valuesOf(await readSite(deps.db.kysely))))
        values[key] = typeof body[key] === 'string' ? (body[key] as string) : '';
      const changes: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(values)) {
        if (key === 'defaultDigestHour' || key === 'defaultDigestWeekday') changes[key] = Number.parseInt(value, 10);
        else if (['url', 'logoUrl', 'iconUrl'].includes(key)) changes[key] = value.trim() === '' ? null : value.trim();
        else changes[key] = value;
      }
      try {
        await updateSite(deps.db.kysely, changes, deps.now().toISOString());
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        const errors: Record<string, string> = {};
        for (const e of error.errors ?? []) errors[e.path.split('/')[0] || 'title'] = e.message;
        sendConsolePage(res, {
          status: 400,
          title: 'Settings',
          main: `<h1>Settings</h1>${renderForm(res, values, errors)}`,
        });
        return;
      }
      await recordAudit(deps.db, {
        actor: consoleOf(res).actor,
        action: 'settings.updated',
        target: 'settings:site',
        now: deps.now(),
      });
      setNotice(res, 'Settings saved.');
      res.redirect(303, '/console/settings');
    });
    return router;
  },
};
