import type { ErrorPageView, SiteView } from './page-model';
import { link, text } from './html';
import { renderLayout } from './layout';

/** A 4xx for people: what went wrong in plain words and a way back. Never indexed. */
export function renderErrorPage(view: ErrorPageView): string {
  const { site } = view;
  return renderLayout({
    site,
    title: `${view.heading} · ${site.title}`,
    noindex: true,
    main: [
      `<h1>${text(view.heading)}</h1>`,
      `<p>${text(view.message)}</p>`,
      `<p>${link(site.homeUrl, `Go to the latest posts on ${site.title}`)}</p>`,
    ].join('\n'),
  });
}

export function renderNotFoundPage(
  site: SiteView,
  message = 'There is no page at this address. It may have moved, or it is not published yet.',
): string {
  return renderErrorPage({ site, status: 404, heading: 'Page not found', message });
}
