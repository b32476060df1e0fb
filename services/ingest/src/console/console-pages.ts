import type { Response } from 'express';
import { text } from '@careerfeed/core';
import { sendPublicConsolePage } from './console-context';

/** The console's error page: what happened in plain words and where to go next. */
export function sendConsoleError(
  res: Response,
  siteTitle: string,
  error: { status: number; heading: string; message: string },
): void {
  sendPublicConsolePage(res, siteTitle, {
    status: error.status,
    title: error.heading,
    main: `<h1>${text(error.heading)}</h1><p>${text(error.message)}</p><p><a href="/console/">Back to the dashboard</a></p>`,
  });
}

export const FORBIDDEN_FOR_ROLE = {
  status: 403,
  heading: 'This page is for admins',
  message: 'Your staff account is an editor account. Ask an admin if you need to change this.',
};

export const CSRF_REJECTED = {
  status: 403,
  heading: 'This form has expired',
  message:
    'The form was not sent from a page of your current session (it may be an old tab, or another site tried to send it). Go back, reload the page and send it again.',
};
