import { allowDeletedPartnerPost, listDeletedPartnerPosts } from '@careerfeed/posts';
import { DIALECTS } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { buildPost } from '../helpers/factories';
import {
  type PartnerServer,
  type SourcesEngine,
  addSourceAndWait,
  pollNowAndWait,
  postsOfSource,
  rssFeed,
  serveFeed,
  startPartnerServer,
  startSourcesEngine,
} from '../sources/support';

const item = (guid: string, title: string) => `
<item><title>${title}</title><link>https://alumni.example.edu/posts/${guid}</link>
  <guid isPermaLink="false">${guid}</guid><pubDate>Mon, 23 Nov 2026 09:00:00 -0500</pubDate>
  <description>&lt;p&gt;${title}.&lt;/p&gt;</description></item>`;

describe.each(DIALECTS)('a partner post staff deleted stays deleted (%s)', (dialect) => {
  let engine: SourcesEngine;
  let partner: PartnerServer;
  // The partner edits the feed between polls (a new item), so the second poll is a full 200, not a 304.
  let items = item('alumni-1', 'Mentoring opens') + item('alumni-2', 'Networking night');

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    partner = await startPartnerServer();
    partner.routes.set(
      '/rss.xml',
      serveFeed(() => rssFeed(items), 'application/rss+xml'),
    );
  });

  afterAll(async () => {
    await partner.close();
    await engine.close();
  });

  test('when staff delete a syndicated post, then later polls do not bring it back, and allowing it again does', async () => {
    const source = await addSourceAndWait(engine, { url: `${partner.origin}/rss.xml` });
    const before = await postsOfSource(engine, source.id);
    expect(before.map((p) => p.title).sort()).toEqual(['Mentoring opens', 'Networking night']);
    const doomed = before.find((p) => p.title === 'Networking night')!;

    const deleted = await engine.ingest.request
      .delete(`/v1/posts/${String(doomed.id)}`)
      .set('Authorization', engine.admin);
    expect(deleted.status).toBe(204);

    items += item('alumni-3', 'Resume clinic');
    const polled = await pollNowAndWait(engine, source.id);
    expect(polled.health.last_poll?.status).toBe(200);
    expect(polled.health.last_poll?.withheld).toBe(1);
    expect((await postsOfSource(engine, source.id)).map((p) => p.title).sort()).toEqual([
      'Mentoring opens',
      'Resume clinic',
    ]);

    // A third poll, the feed changed again: still gone.
    items += item('alumni-4', 'Career fair');
    await pollNowAndWait(engine, source.id);
    expect((await postsOfSource(engine, source.id)).map((p) => p.title)).not.toContain('Networking night');

    const deps = { db: engine.database.db, publicBaseUrl: PUBLIC_BASE_URL, allowPrivateNetworks: true };
    const tombstones = await listDeletedPartnerPosts(deps, source.id);
    expect(tombstones.map((t) => [t.external_id, t.title])).toEqual([['alumni-2', 'Networking night']]);

    await allowDeletedPartnerPost(deps, source.id, 'alumni-2');
    items += item('alumni-5', 'Interview prep');
    await pollNowAndWait(engine, source.id);
    expect((await postsOfSource(engine, source.id)).map((p) => p.title)).toContain('Networking night');
  });

  test('when an API post with an external id is deleted, then no tombstone is written (only partner sources get one)', async () => {
    const created = await engine.ingest.request
      .post('/v1/posts')
      .set('Authorization', engine.admin)
      .send(buildPost({ external_id: 'cms-9' }));
    expect(created.status).toBe(201);
    await engine.ingest.request
      .delete(`/v1/posts/${String(created.body.id)}`)
      .set('Authorization', engine.admin)
      .expect(204);
    const rows = await engine.database.db.kysely
      .selectFrom('partner_post_tombstones')
      .selectAll()
      .where('external_id', '=', 'cms-9')
      .execute();
    expect(rows).toEqual([]);
  });
});
