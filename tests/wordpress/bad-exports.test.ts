import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type PostsDeps, listPosts } from '@careerfeed/posts';
import { JSON_BODY_LIMIT_BYTES } from '@careerfeed/http';
import { WxrError, importWordPressExport } from '@careerfeed/wordpress';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';

const WP_NS = 'http://wordpress.org/export/1.2/';

function item(id: number, fields: { title?: string; body?: string; gmt?: string; local?: string } = {}): string {
  const gmt = fields.gmt ?? '2026-03-01 10:00:00';
  return `<item>
    <title><![CDATA[${fields.title ?? `Post ${id}`}]]></title>
    <link>https://blog.example.edu/post-${id}/</link>
    <dc:creator><![CDATA[editor]]></dc:creator>
    <content:encoded><![CDATA[${fields.body ?? `<p>Body of post ${id}.</p>`}]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>${id}</wp:post_id>
    <wp:post_date><![CDATA[${fields.local ?? gmt}]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[${gmt}]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[post-${id}]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
  </item>`;
}

function wxr(items: string[], options: { prolog?: string; wpNamespace?: string; version?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>
${options.prolog ?? ''}<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="${options.wpNamespace ?? WP_NS}">
<channel>
  <title>Blog</title>
  <link>https://blog.example.edu</link>
  <wp:wxr_version>${options.version ?? '1.2'}</wp:wxr_version>
  <wp:base_site_url>https://blog.example.edu</wp:base_site_url>
  <wp:author><wp:author_login><![CDATA[editor]]></wp:author_login><wp:author_display_name><![CDATA[Ed Itor]]></wp:author_display_name></wp:author>
  ${items.join('\n')}
</channel>
</rss>
`;
}

describe.each(DIALECTS)('a bad WordPress export on %s', (dialect) => {
  let database: TestDatabase;
  let deps: PostsDeps;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    deps = { db: database.db, publicBaseUrl: 'https://news.example.edu' };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bad-wxr-'));
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  function file(content: string): string {
    const target = path.join(dir, `export-${++n}.xml`);
    fs.writeFileSync(target, content);
    return target;
  }

  async function expectRefused(content: string, code: string, message: RegExp): Promise<void> {
    const before = await listPosts(deps, { limit: 100 });
    const error = await importWordPressExport(deps, file(content)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WxrError);
    expect((error as WxrError).code).toBe(code);
    expect((error as WxrError).message).toMatch(message);
    expect((await listPosts(deps, { limit: 100 })).items).toHaveLength(before.items.length);
  }

  test('when the file is not XML, then it is refused with NOT_XML and nothing is imported', async () => {
    await expectRefused('%PDF-1.7\nnot an export at all\n', 'NOT_XML', /not well-formed XML/);
  });

  test('when the file is cut off after its first posts, then nothing at all is imported', async () => {
    const whole = wxr([item(1), item(2), item(3)]);
    await expectRefused(whole.slice(0, whole.indexOf('<item>', whole.indexOf('<item>') + 10) + 40), 'NOT_XML', /XML/);
  });

  test('when the file declares entities (billion laughs), then it is refused before any expansion', async () => {
    const bomb =
      '<!DOCTYPE rss [\n<!ENTITY lol "lol">\n' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join(
        '\n',
      ) +
      '\n]>\n';
    await expectRefused(wxr([item(10, { title: '&lol9;' })], { prolog: bomb }), 'DOCTYPE_REFUSED', /DOCTYPE/);
  });

  test('when the file declares an external entity (XXE), then it is refused and the file it names is never read', async () => {
    const secret = path.join(dir, 'secret.txt');
    fs.writeFileSync(secret, 'TOP-SECRET');
    const xxe = `<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://${secret}">]>\n`;
    await expectRefused(
      wxr([item(11, { body: '&xxe;' }).replace('<![CDATA[&xxe;]]>', '&xxe;')], { prolog: xxe }),
      'DOCTYPE_REFUSED',
      /DOCTYPE/,
    );
    const stored = await listPosts(deps, { limit: 100 });
    expect(JSON.stringify(stored)).not.toContain('TOP-SECRET');
  });

  test('when the export is of an unknown WXR version, then it is refused naming the versions read', async () => {
    await expectRefused(
      wxr([item(12)], { wpNamespace: 'http://wordpress.org/export/2.0/', version: '2.0' }),
      'UNSUPPORTED_VERSION',
      /unsupported WXR version 2\.0.*1\.1 and 1\.2/,
    );
    await expectRefused(wxr([item(13)], { version: '1.0' }), 'UNSUPPORTED_VERSION', /1\.0/);
  });

  test('when the export is WXR 1.1 (WordPress 3.1 to 3.5), then it is read like 1.2', async () => {
    const summary = await importWordPressExport(
      deps,
      file(wxr([item(40)], { wpNamespace: 'http://wordpress.org/export/1.1/', version: '1.1' })),
    );
    expect(summary).toMatchObject({ version: '1.1', imported: 1, failed: [] });
  });

  test('when the file is an ordinary RSS feed, then it is refused as not a WordPress export', async () => {
    await expectRefused(
      '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</title></item></channel></rss>',
      'NOT_WXR',
      /not a WordPress export/,
    );
  });

  test('when one post is larger than the API body limit, then it alone is skipped with that reason', async () => {
    const huge = `<p>${'x'.repeat(JSON_BODY_LIMIT_BYTES + 1000)}</p>`;
    const summary = await importWordPressExport(deps, file(wxr([item(20), item(21, { body: huge }), item(22)])));
    expect(summary).toMatchObject({ imported: 2, updated: 0 });
    expect(summary.failed).toEqual([
      { postId: '21', title: 'Post 21', reason: `larger than the API's body limit of ${JSON_BODY_LIMIT_BYTES} bytes` },
    ]);
    const slugs = (await listPosts(deps, { limit: 100 })).items.map((p) => p.slug);
    expect(slugs).toEqual(expect.arrayContaining(['post-20', 'post-22']));
    expect(slugs).not.toContain('post-21');
  });

  test('when a post has a malformed date, then it is skipped with that reason and the others are imported', async () => {
    const summary = await importWordPressExport(
      deps,
      file(
        wxr([item(30, { gmt: '2026-02-30 10:00:00' }), item(31, { gmt: 'yesterday', local: 'yesterday' }), item(32)]),
      ),
    );
    expect(summary.imported).toBe(1);
    expect(summary.failed.map((f) => [f.postId, f.reason])).toEqual([
      ['30', 'malformed date'],
      ['31', 'malformed date'],
    ]);
    expect(summary.failed[0]!.detail).toContain('2026-02-30 10:00:00');
    expect(summary.skipped).toEqual([{ reason: 'malformed date', count: 2 }]);
  });
});
