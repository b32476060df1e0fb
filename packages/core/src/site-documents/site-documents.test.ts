import { renderOpml, renderRobotsTxt, renderSitemap, renderSitemapIndex } from './site-documents';

describe('site documents', () => {
  test('when a sitemap is rendered, then locations are escaped and lastmod is W3C Datetime in UTC', () => {
    const xml = renderSitemap([
      { loc: 'https://c.example/posts/a?x=1&y=2', lastmod: '2025-03-01T09:00:00.123-05:00' },
      { loc: 'https://c.example/topics/' },
    ]);
    expect(xml).toContain(
      '<url><loc>https://c.example/posts/a?x=1&amp;y=2</loc><lastmod>2025-03-01T14:00:00Z</lastmod></url>',
    );
    expect(xml).toContain('<url><loc>https://c.example/topics/</loc></url>');
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      ),
    ).toBe(true);
  });

  test('when a sitemap index is rendered, then each child is a <sitemap>', () => {
    expect(renderSitemapIndex([{ loc: 'https://c.example/sitemap-1.xml' }])).toContain(
      '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n<sitemap><loc>https://c.example/sitemap-1.xml</loc></sitemap>',
    );
  });

  test('when an OPML list is rendered, then titles are escaped, empty groups left out, and the date is RFC 822', () => {
    const opml = renderOpml({
      title: 'Blog "A" & B',
      created: '2025-03-01T09:00:00Z',
      groups: [
        {
          title: 'Topics',
          feeds: [
            { title: '<C++>', xmlUrl: 'https://c.example/topics/c/feed.xml', htmlUrl: 'https://c.example/topics/c/' },
          ],
        },
        { title: 'Authors', feeds: [] },
      ],
    });
    expect(opml).toContain(
      '<title>Blog &quot;A&quot; &amp; B</title><dateCreated>Sat, 01 Mar 2025 09:00:00 GMT</dateCreated>',
    );
    expect(opml).toContain(
      '<outline type="rss" text="&lt;C++&gt;" title="&lt;C++&gt;" xmlUrl="https://c.example/topics/c/feed.xml" htmlUrl="https://c.example/topics/c/"/>',
    );
    expect(opml).not.toContain('Authors');
  });

  test('when robots.txt is rendered, then it names the sitemap', () => {
    expect(renderRobotsTxt('https://c.example/sitemap.xml')).toMatch(
      /\nSitemap: https:\/\/c\.example\/sitemap\.xml\n$/,
    );
  });
});
