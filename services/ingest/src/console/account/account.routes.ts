import express from 'express';
import { attr, text, time } from '@careerfeed/core';
import { revokeOwnSession, staffRepository, signOut, signOutEverywhere } from '@careerfeed/staff';
import { type ConsoleDeps, consoleOf, csrfField, sendConsolePage, setNotice } from '../console-context';
import { clearSessionCookies } from '../session-cookie';

/** Your own account: open sessions, sign out, sign out everywhere. Every signed-in role. */
export function accountRouter(deps: ConsoleDeps): express.Router {
  const router = express.Router();

  router.get('/account', async (_req, res) => {
    const context = consoleOf(res);
    const sessions = await staffRepository.listOpenSessionsOfStaff(
      deps.db.kysely,
      context.staff.id,
      deps.now().toISOString(),
    );
    const rows = sessions
      .map(
        (s) =>
          `<tr><td>${time(s.created_at, 'en')}</td><td>${time(s.last_seen_at, 'en')}</td><td>${text(s.user_agent ?? 'unknown browser')}</td><td>${s.id === context.session.sessionId ? 'this browser' : `<form class="inline" method="post" action="/console/account/sessions/${attr(s.id)}/revoke">${csrfField(res)}<button class="secondary" type="submit">Sign this browser out</button></form>`}</td></tr>`,
      )
      .join('');
    sendConsolePage(res, {
      title: 'Your account',
      main: [
        '<h1>Your account</h1>',
        `<p>${text(context.staff.name)} · ${text(context.staff.email)} · ${text(context.staff.role)}</p>`,
        '<h2>Where you are signed in</h2>',
        `<div class="table"><table><thead><tr><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col">Browser</th><th scope="col"><span class="hint">Note</span></th></tr></thead><tbody>${rows}</tbody></table></div>`,
        '<p>Lost a phone or used a shared computer? Sign out everywhere: every browser, this one included, will need a new sign-in link.</p>',
        `<form method="post" action="/console/sign-out-everywhere">${csrfField(res)}<button class="danger" type="submit">Sign out everywhere</button></form>`,
      ].join('\n'),
    });
  });

  router.post('/account/sessions/:id/revoke', async (req, res) => {
    const context = consoleOf(res);
    const revoked = await revokeOwnSession(deps.db, context.staff.id, req.params.id, context.actor, deps.now());
    setNotice(res, revoked ? 'That browser is signed out.' : 'That session had already ended.');
    res.redirect(303, '/console/account');
  });

  router.post('/sign-out', async (req, res) => {
    const context = consoleOf(res);
    await signOut(deps.db, context.session, context.actor, deps.now());
    clearSessionCookies(req, res, deps.consoleUrl);
    res.redirect(303, '/console/sign-in');
  });

  router.post('/sign-out-everywhere', async (req, res) => {
    const context = consoleOf(res);
    await signOutEverywhere(deps.db, context.staff.id, context.actor, deps.now());
    clearSessionCookies(req, res, deps.consoleUrl);
    res.redirect(303, '/console/sign-in');
  });

  return router;
}
