import type { AuthorView } from './page-model';
import { describeAuthorLinks } from './author-links';
import { link, paragraphs, text } from './html';

/** Name, bio and the author's links elsewhere; every piece is text from the API, so all escaped. */
export function renderAuthorBox(author: AuthorView, heading: string): string {
  const links = describeAuthorLinks(author.links).map(
    (l) => `<li>${text(l.label)}: ${l.href === null ? text(l.text) : link(l.href, l.text)}</li>`,
  );
  return [
    '<aside class="box author" aria-labelledby="author-heading">',
    `<h2 id="author-heading">${text(heading)}</h2>`,
    `<p><strong>${link(author.url, author.name)}</strong></p>`,
    paragraphs(author.bio),
    links.length > 0 ? `<ul class="author-links">\n${links.join('\n')}\n</ul>` : '',
    '</aside>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
