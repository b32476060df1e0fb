import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type PostResource, type PostsDeps, listPosts } from '@careerfeed/posts';
import { type WordPressImportProgress, importWordPressExport } from '@careerfeed/wordpress';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'wordpress', 'career-center.wxr');
const BASE = 'https://news.example.edu';
const SITE = 'https://careers.example.edu';

async function postsByExternalId(deps: PostsDeps): Promise<Map<string, PostResource>> {
  const page = await listPosts(deps, { limit: 100 });
  return new Map(page.items.map((p) => [p.external_id ?? '', p]));
}

describe.each(DIALECTS)('importing a WordPress export on %s', (dialect) => {
  let database: TestDatabase;
  let deps: PostsDeps;
  let workDir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    deps = { db: database.db, publicBaseUrl: BASE };
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-wxr-'));
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('when a WordPress 6 export is imported, then its posts, drafts and scheduled posts are stored field by field and the rest is skipped with reasons', async () => {
    const progress: WordPressImportProgress[] = [];
    const summary = await importWordPressExport(deps, FIXTURE, { onProgress: (p) => progress.push(p) });

    expect(summary).toMatchObject({ site: SITE, version: '1.2', imported: 5, updated: 0, unchanged: 0, failed: [] });
    expect(summary.authors).toBe(3);
    expect(Object.fromEntries(summary.skipped.map((s) => [s.reason, s.count]))).toEqual({
      'in the trash': 1,
      'page (only posts are imported)': 1,
      'revision (the current version is imported)': 1,
      'attachment (media; used for featured images)': 1,
      'menu item': 1,
    });
    // Both passes report, and the last report of each has read the whole file.
    const size = fs.statSync(FIXTURE).size;
    expect(progress.filter((p) => p.phase === 'checking').at(-1)).toMatchObject({
      bytesRead: size,
      totalBytes: size,
      items: 10,
    });
    expect(progress.filter((p) => p.phase === 'importing').at(-1)).toMatchObject({ bytesRead: size, items: 10 });

    const posts = await postsByExternalId(deps);
    expect(posts.size).toBe(5);

    const fair = posts.get(`${SITE}/?p=101`)!;
    expect(fair).toMatchObject({
      slug: 'fall-career-fair-how-to-prepare',
      title: 'Fall Career Fair: how to prepare',
      author: { slug: 'jdoe', name: 'Jane Doe', bio: '' },
      category: 'career-fairs',
      tags: ['internships'],
      status: 'published',
      published_at: '2026-09-14T13:30:00Z',
      canonical_url: `${SITE}/2026/09/14/fall-career-fair-how-to-prepare/`,
      // _thumbnail_id 150 → the attachment item that comes after the post in the file.
      image: `${SITE}/wp-content/uploads/2026/09/fair.jpg`,
      excerpt: 'What to do before, during and after the Fall Career Fair.',
      source: 'wordpress',
    });
    expect(fair.html).not.toContain('wp:');
    expect(fair.html).not.toContain('contact-form-7');
    expect(fair.html).toContain('<h2>Before the fair</h2>');
    expect(fair.html).toContain('<li>Print your résumé</li>');

    const resume = posts.get(`${SITE}/?p=88`)!;
    expect(resume).toMatchObject({
      slug: 'resume-basics',
      title: 'Résumé basics: a one-page checklist',
      author: { slug: 'marco-rossi', name: 'Marco Rossi' },
      // The first category is the category; a second one becomes a tag.
      category: 'resumes',
      tags: ['career-fairs'],
      published_at: '2026-08-03T14:00:00Z',
      image: null,
    });
    expect(resume.html).toBe(
      [
        '<p>A résumé is read in <em>six seconds</em>. Make them count.</p>',
        '<figure><img src="https://careers.example.edu/wp-content/uploads/2026/08/resume.png" alt="A sample résumé" width="640" height="480" /><figcaption>A one-page résumé, annotated</figcaption></figure>',
        '<p>Start with your name and how to reach you.<br />\nThen your education.</p>',
        '<p>Keep it to one page. Use [gallery] to show a gallery.</p>',
        '<pre>\nName\n\nEducation\n</pre>',
        // "]]>" was split across two CDATA sections in the file, as WordPress writes it.
        '<p>In XML, a CDATA section ends with ]]&gt; and this sentence must survive that.</p>',
      ].join('\n'),
    );

    // A percent-encoded non-Latin post name and tag nicename, decoded; "uncategorized" is no category.
    expect(posts.get(`${SITE}/?p=77`)).toMatchObject({
      slug: '求職活動の始め方',
      title: '求職活動の始め方',
      author: { slug: 'akim', name: 'Ana Kim' },
      tags: ['求職'],
      category: null,
      published_at: '2026-07-20T01:00:00Z',
      html: '<p>留学生のための就職活動ガイドです。</p>',
    });

    // A draft has a zero GMT date: its local post_date is used; it has no post name: one is made.
    expect(posts.get(`${SITE}/?p=120`)).toMatchObject({
      slug: 'spring-internship-roundup',
      status: 'draft',
      published_at: '2026-11-28T16:45:10Z',
      tags: ['internships'],
      category: null,
    });

    // A scheduled ("future") post is published with its future date, which the scheduler honours.
    expect(posts.get(`${SITE}/?p=130`)).toMatchObject({
      slug: 'winter-networking-night',
      status: 'published',
      published_at: '2026-12-15T23:00:00Z',
      excerpt: 'Alumni, snacks, and your next job lead.',
      author: { slug: 'marco-rossi' },
    });

    expect(summary.redirects).toEqual([
      { from: '/2026/09/14/fall-career-fair-how-to-prepare/', to: `${BASE}/posts/fall-career-fair-how-to-prepare` },
      { from: '/2026/08/03/resume-basics/', to: `${BASE}/posts/resume-basics` },
      {
        from: '/2026/07/20/%e6%b1%82%e8%81%b7%e6%b4%bb%e5%8b%95%e3%81%ae%e5%a7%8b%e3%82%81%e6%96%b9/',
        to: `${BASE}/posts/${encodeURIComponent('求職活動の始め方')}`,
      },
      { from: '/?p=130', to: `${BASE}/posts/winter-networking-night` },
    ]);
  });

  test('when the same export is imported again, then nothing is duplicated or rewritten', async () => {
    const eventsBefore = await database.db.kysely.selectFrom('outbox_events').select('id').execute();
    const summary = await importWordPressExport(deps, FIXTURE);
    expect(summary).toMatchObject({ imported: 0, updated: 0, unchanged: 5 });
    expect((await postsByExternalId(deps)).size).toBe(5);
    const eventsAfter = await database.db.kysely.selectFrom('outbox_events').select('id').execute();
    expect(eventsAfter).toHaveLength(eventsBefore.length);
  });

  test('when a post was edited in WordPress since, then the re-import updates that post only', async () => {
    const before = (await postsByExternalId(deps)).get(`${SITE}/?p=88`)!;
    const edited = fs
      .readFileSync(FIXTURE, 'utf8')
      .replace('Make them count.', 'Make every second count.')
      .replace(
        '<wp:post_modified_gmt><![CDATA[2026-08-03 14:00:00]]></wp:post_modified_gmt>',
        '<wp:post_modified_gmt><![CDATA[2026-11-02 09:00:00]]></wp:post_modified_gmt>',
      );
    const file = path.join(workDir, 'edited.wxr');
    fs.writeFileSync(file, edited);

    const summary = await importWordPressExport(deps, file);
    expect(summary).toMatchObject({ imported: 0, updated: 1, unchanged: 4 });
    const posts = await postsByExternalId(deps);
    expect(posts.size).toBe(5);
    const after = posts.get(`${SITE}/?p=88`)!;
    expect(after.id).toBe(before.id);
    expect(after.slug).toBe('resume-basics');
    expect(after.html).toContain('Make every second count.');
  });
});
