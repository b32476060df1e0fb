import type { SiteView } from './page-model';
import { link, text } from './html';
import { renderLayout } from './layout';

export interface JsonFeedExtensionPageView {
  site: SiteView;
  /** This page's own address: the `about` of every `_careerfeed` object. */
  url: string;
  /** The site's JSON Feed, for the example. */
  jsonFeedUrl: string;
}

/**
 * The documentation that JSON Feed 1.1 asks an extension's `about` to point at: what
 * `_careerfeed` holds, for the developers of campus sites that read the JSON feed.
 */
export function renderJsonFeedExtensionPage(view: JsonFeedExtensionPageView): string {
  const { site } = view;
  const example = JSON.stringify(
    {
      _careerfeed: {
        about: view.url,
        related: [
          {
            id: 'urn:uuid:0193a1c2-7d4e-7c3a-9f10-2b5e8c1d4a77',
            url: `${site.homeUrl}posts/negotiating-your-first-salary`,
            title: 'Negotiating your first salary',
          },
        ],
      },
    },
    null,
    2,
  );
  const field = (name: string, description: string) => `<dt><code>${text(name)}</code></dt>\n<dd>${description}</dd>`;
  const main = [
    '<h1>The <code>_careerfeed</code> JSON Feed extension</h1>',
    `<p>Every item of the ${link(view.jsonFeedUrl, 'JSON feeds')} of ${text(site.title)} carries an object ` +
      'named <code>_careerfeed</code>: a JSON Feed 1.1 extension (its name starts with an underscore, so readers ' +
      'that do not know it ignore it). It lists the posts related to the item, the same ones that end each post ' +
      'on this site, so that a campus site can show them without asking us again.</p>',
    '<h2 id="fields">Fields</h2>',
    '<dl>',
    field('about', 'String, a URL: the address of this page. The same in every item.'),
    field(
      'related',
      'Array, possibly empty: the posts related to this item, most related first. Only published posts are listed, ' +
        'never the item itself, and at most a few (three unless the site is configured otherwise).',
    ),
    field(
      'related[].id',
      'String: the related post’s permanent id, <code>urn:uuid:</code> followed by the post’s UUID. It is the ' +
        '<code>id</code> that post has as an item in every feed and format, and it never changes.',
    ),
    field('related[].url', 'String, an absolute URL: the related post’s page on this site.'),
    field('related[].title', 'String: the related post’s title, as plain text (not HTML).'),
    '</dl>',
    '<h2 id="example">Example</h2>',
    // Focusable, with a name: a keyboard user can scroll the wide example (axe scrollable-region-focusable).
    `<pre tabindex="0" aria-label="Example item"><code>${text(example)}</code></pre>`,
    '<h2 id="stability">Stability</h2>',
    '<p>Fields are only ever added; none of the above will be removed or change meaning. Ignore fields you do ' +
      'not know.</p>',
  ];
  return renderLayout({
    site,
    title: `The _careerfeed JSON Feed extension · ${site.title}`,
    description: 'What the _careerfeed object in the items of our JSON feeds holds.',
    canonicalUrl: view.url,
    main: main.join('\n'),
  });
}
