import express from 'express';
import type { ConsoleDeps, ConsoleSection } from '../console-context';
import { sendConsolePage } from '../console-context';
import { readDashboard } from './dashboard.service';
import { renderDashboard } from './dashboard.page';

/** The console's home: the weekly digest's reach and health, what is scheduled, what is failing. */
export const dashboardSection: ConsoleSection = {
  path: '/',
  label: 'Dashboard',
  role: 'editor',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    router.get('/', async (_req, res) => {
      const now = deps.now();
      const view = await readDashboard(deps.db, now);
      sendConsolePage(res, { title: 'Dashboard', main: renderDashboard(view, now, deps.queueDashboardUrl) });
    });
    return router;
  },
};
