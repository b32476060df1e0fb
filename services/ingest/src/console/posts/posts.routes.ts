import express from 'express';
import type { ConsoleDeps, ConsoleSection } from '../console-context';
import { sendConsolePage } from '../console-context';

/** Posts: list, write, schedule, preview. */
export const postsSection: ConsoleSection = {
  path: '/posts',
  label: 'Posts',
  role: 'editor',
  routes(_deps: ConsoleDeps) {
    const router = express.Router();
    router.get('/', (_req, res) => {
      sendConsolePage(res, {
        title: 'Posts',
        main: '<h1>Posts</h1><p class="empty">The post editor is being built.</p>',
      });
    });
    return router;
  },
};
