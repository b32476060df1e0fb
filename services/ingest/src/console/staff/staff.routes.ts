import express, { type Response } from 'express';
import { AppError, attr, text, time } from '@careerfeed/core';
import { readSite } from '@careerfeed/posts';
import {
  SIGN_IN_LINK_TTL_MS,
  type StaffMember,
  buildSignInMailMessage,
  changeStaffRole,
  getStaffMember,
  inviteStaff,
  isStaffRole,
  listAudit,
  listStaff,
  setStaffDisabled,
} from '@careerfeed/staff';
import {
  type ConsoleDeps,
  type ConsoleSection,
  consoleOf,
  csrfField,
  sendConsolePage,
  setNotice,
} from '../console-context';

function roleSelect(id: string, current: string): string {
  return `<select id="${attr(id)}" name="role">${['editor', 'admin']
    .map((r) => `<option value="${r}"${r === current ? ' selected' : ''}>${r}</option>`)
    .join('')}</select>`;
}

function inviteForm(res: Response, values: { email?: string; name?: string; role?: string } = {}): string {
  return [
    '<h2>Invite a colleague</h2>',
    '<form method="post" action="/console/staff/invite">',
    csrfField(res),
    '<div class="row">',
    `<div class="field"><label for="invite-email">Work email</label><input id="invite-email" name="email" type="email" required value="${attr(values.email ?? '')}"></div>`,
    `<div class="field"><label for="invite-name">Name</label><input id="invite-name" name="name" type="text" maxlength="200" value="${attr(values.name ?? '')}"></div>`,
    `<div class="field"><label for="invite-role">Role</label>${roleSelect('invite-role', values.role ?? 'editor')}</div>`,
    '</div>',
    '<p class="hint">Editors write posts and manage authors, topics and comments; admins also manage subscribers, webhooks, sources, API keys, settings and staff.</p>',
    '<button type="submit">Send invitation</button>',
    '</form>',
  ].join('\n');
}

function staffRow(res: Response, member: StaffMember, self: boolean): string {
  const status = member.disabled ? '<span class="badge warn">disabled</span>' : '<span class="badge">active</span>';
  const roleForm = `<form class="row" method="post" action="/console/staff/${attr(member.id)}/role">${csrfField(res)}<label class="hint" for="role-${attr(member.id)}">Role of ${text(member.email)}</label>${roleSelect(`role-${member.id}`, member.role)}<button class="secondary" type="submit">Change</button></form>`;
  const toggle = member.disabled
    ? `<form class="inline" method="post" action="/console/staff/${attr(member.id)}/enable">${csrfField(res)}<button class="secondary" type="submit">Enable ${text(member.email)}</button></form>`
    : self
      ? '<span class="hint">you</span>'
      : `<a href="/console/staff/${attr(member.id)}/disable">Disable…</a>`;
  return `<tr><td>${text(member.name)}<br><span class="hint">${text(member.email)}</span></td><td>${roleForm}</td><td>${status}</td><td>${member.lastSignInAt ? time(member.lastSignInAt, 'en') : 'never'}</td><td>${toggle}</td></tr>`;
}

/** Admin: who may use the console, and the audit log. */
export const staffSection: ConsoleSection = {
  path: '/staff',
  label: 'Staff',
  role: 'admin',
  routes(deps: ConsoleDeps) {
    const router = express.Router();

    const listPage = async (
      res: Response,
      extra: { error?: string; values?: Record<string, string>; status?: number } = {},
    ) => {
      const members = await listStaff(deps.db);
      const me = consoleOf(res).staff.id;
      sendConsolePage(res, {
        status: extra.status,
        title: 'Staff',
        main: [
          '<h1>Staff</h1>',
          extra.error ? `<p class="errors" role="alert">${text(extra.error)}</p>` : '',
          members.length === 0
            ? '<p class="empty">No staff yet.</p>'
            : `<div class="table"><table><thead><tr><th scope="col">Who</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Last sign-in</th><th scope="col">Access</th></tr></thead><tbody>${members.map((m) => staffRow(res, m, m.id === me)).join('')}</tbody></table></div>`,
          inviteForm(res, extra.values),
          '<p><a href="/console/staff/audit">Audit log</a>: who did what in the console.</p>',
        ].join('\n'),
      });
    };

    router.get('/', async (_req, res) => listPage(res));

    router.post('/invite', async (req, res) => {
      const body = req.body as Record<string, unknown>;
      const values = {
        email: typeof body.email === 'string' ? body.email : '',
        name: typeof body.name === 'string' ? body.name : '',
        role: typeof body.role === 'string' ? body.role : '',
      };
      if (!isStaffRole(values.role)) {
        await listPage(res, { status: 400, error: 'Choose a role: editor or admin.', values });
        return;
      }
      const now = deps.now();
      let invited;
      try {
        invited = await inviteStaff(deps.db, {
          email: values.email,
          name: values.name,
          role: values.role,
          actor: consoleOf(res).actor,
          now,
        });
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          await listPage(res, { status: error.status, error: error.message, values });
          return;
        }
        throw error;
      }
      const site = await readSite(deps.db.kysely);
      try {
        await deps.mailer.send(
          buildSignInMailMessage({
            consoleUrl: deps.consoleUrl,
            siteTitle: site.title,
            from: deps.mailFrom,
            to: invited.member.email,
            name: invited.member.name,
            token: invited.token,
            invited: true,
            now,
            expiresInMinutes: SIGN_IN_LINK_TTL_MS / 60_000,
          }),
        );
        setNotice(res, `Invited ${invited.member.email} as ${invited.member.role}: a sign-in link is on its way.`);
      } catch (error) {
        deps.logger.error(
          { err: error, requestId: consoleOf(res).requestId },
          'staff invitation mail could not be sent',
        );
        setNotice(
          res,
          `${invited.member.email} was added, but the mail could not be sent. They can ask for a link on the sign-in page.`,
        );
      }
      res.redirect(303, '/console/staff');
    });

    router.post('/:id/role', async (req, res) => {
      const role = (req.body as Record<string, unknown>).role;
      if (!isStaffRole(role)) {
        await listPage(res, { status: 400, error: 'Choose a role: editor or admin.' });
        return;
      }
      try {
        const member = await changeStaffRole(deps.db, req.params.id, role, consoleOf(res).actor, deps.now());
        setNotice(res, `${member.email} is now ${member.role}.`);
      } catch (error) {
        if (error instanceof AppError && error.status === 409) {
          await listPage(res, { status: 409, error: error.message });
          return;
        }
        throw error;
      }
      res.redirect(303, '/console/staff');
    });

    router.get('/:id/disable', async (req, res) => {
      const member = await getStaffMember(deps.db, req.params.id);
      sendConsolePage(res, {
        title: `Disable ${member.email}?`,
        main: [
          `<h1>Disable ${text(member.email)}?</h1>`,
          `<p>${text(member.name)} will be signed out of every browser at once and cannot sign in until an admin enables the account again. Posts they wrote stay as they are.</p>`,
          `<form method="post" action="/console/staff/${attr(member.id)}/disable">${csrfField(res)}<div class="actions"><button class="danger" type="submit">Disable ${text(member.email)}</button><a href="/console/staff">Cancel</a></div></form>`,
        ].join('\n'),
      });
    });

    for (const [action, disabled] of [
      ['disable', true],
      ['enable', false],
    ] as const) {
      router.post(`/:id/${action}`, async (req, res) => {
        if (disabled && req.params.id === consoleOf(res).staff.id) {
          await listPage(res, { status: 409, error: 'You cannot disable your own account.' });
          return;
        }
        try {
          const member = await setStaffDisabled(deps.db, req.params.id, disabled, consoleOf(res).actor, deps.now());
          setNotice(res, `${member.email} is ${disabled ? 'disabled and signed out everywhere' : 'enabled again'}.`);
        } catch (error) {
          if (error instanceof AppError && error.status === 409) {
            await listPage(res, { status: 409, error: error.message });
            return;
          }
          throw error;
        }
        res.redirect(303, '/console/staff');
      });
    }

    router.get('/audit', async (_req, res) => {
      const entries = await listAudit(deps.db, 200);
      sendConsolePage(res, {
        title: 'Audit log',
        main: [
          '<h1>Audit log</h1>',
          '<p>The last 200 actions taken in the console or with <code>npm run cli -- staff</code>.</p>',
          entries.length === 0
            ? '<p class="empty">Nothing recorded yet.</p>'
            : `<div class="table"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Request id</th></tr></thead><tbody>${entries
                .map(
                  (e) =>
                    `<tr><td>${text(e.createdAt.replace('T', ' ').slice(0, 19))} UTC</td><td>${text(e.actorEmail ?? '')}</td><td>${text(e.action)}</td><td>${text(e.target ?? '')}</td><td><code>${text(e.requestId ?? '')}</code></td></tr>`,
                )
                .join('')}</tbody></table></div>`,
        ].join('\n'),
      });
    });

    return router;
  },
};
