import { DIALECTS } from '../helpers/databases';
import { startEngine } from '../digests/engine';
import { insertSubscriber } from '../digests/support';
import {
  type PartnerServer,
  type SourcesEngine,
  addSourceAndWait,
  postsOfSource,
  rssFeed,
  serveFeed,
  startPartnerServer,
  startSourcesEngine,
} from './support';

/** 50 items from last year, as a partner's first feed with its archive would carry them. */
function archive(): string {
  return Array.from({ length: 50 }, (_, i) => {
    const day = String((i % 28) + 1).padStart(2, '0');
    return `<item><title>Archive post ${i}</title><guid>archive-${i}</guid><link>https://partner.example/archive/${i}</link><pubDate>${new Date(`2025-03-${day}T10:00:00Z`).toUTCString()}</pubDate></item>`;
  }).join('\n');
}

describe.each(DIALECTS)('a partner archive and digests (%s)', (dialect) => {
  let engine: SourcesEngine;
  let partner: PartnerServer;

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    partner = await startPartnerServer();
  });

  afterAll(async () => {
    await engine.close();
    await partner.close();
  });

  test("when a first poll brings a 50-item archive, then the items keep their own dates and only the item that is new since the subscriber's last digest is in the next one", async () => {
    const now = new Date();
    const lastDigest = new Date(now.getTime() - 24 * 3600_000);
    const fresh = new Date(now.getTime() - 3600_000);
    const subscriberId = await insertSubscriber(engine.database.db, {
      frequency: 'daily',
      digest_cursor: lastDigest.toISOString(),
      next_digest_at: new Date(now.getTime() - 60_000).toISOString(),
    });
    partner.routes.set(
      '/archive.xml',
      serveFeed(
        () =>
          rssFeed(
            `<item><title>Fresh news</title><guid>fresh</guid><link>https://partner.example/fresh</link><pubDate>${fresh.toUTCString()}</pubDate></item>\n${archive()}`,
          ),
        'application/rss+xml',
      ),
    );

    const source = await addSourceAndWait(engine, { url: `${partner.origin}/archive.xml` });
    expect(source.health.last_poll).toMatchObject({ created: 51 });
    const posts = await postsOfSource(engine, source.id);
    expect(posts.find((p) => p.external_id === 'archive-0')?.published_at).toBe('2025-03-01T10:00:00.000Z');

    const digests = await startEngine(engine.database.db, { now: () => now });
    try {
      digests.startWorker();
      expect((await digests.tick()).enqueued).toBe(1);
      await digests.idle();
      expect(digests.outcomes).toEqual(['sent']);
      const delivery = await engine.database.db.kysely
        .selectFrom('digest_deliveries')
        .select('post_ids')
        .where('subscriber_id', '=', subscriberId)
        .executeTakeFirstOrThrow();
      const freshPost = posts.find((p) => p.external_id === 'fresh')!;
      expect(JSON.parse(delivery.post_ids)).toEqual([freshPost.id]);
    } finally {
      await digests.close();
    }
  });
});
