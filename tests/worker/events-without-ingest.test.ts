import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPost, createSource, upsertAuthor } from '@careerfeed/posts';
import { type Queue } from 'bullmq';
import { createRedisConnection, openWebhookDeliveriesQueue } from '@careerfeed/jobs';
import { createWebhook } from '@careerfeed/sharing';
import { resolveWebhookSecretsKey } from '@careerfeed/config';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { ROOT, baseEnv, exited } from '../helpers/processes';
import { type RedisServer, freePort, startRedisServer, waitForPort } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { waitFor } from '../helpers/wait';
import { type PartnerServer, rssFeed, serveFeed, startPartnerServer } from '../sources/support';

/**
 * Events leave from wherever they are written. A deployment of two workers and a feed service, no
 * ingest at all, on PostgreSQL: a partner source's new item and a scheduled post (both written by
 * the worker or by a tool, never through ingest) are announced — their webhooks are delivered and
 * the feed service shows them — because every worker runs the outbox relay.
 */
const PUBLIC_BASE_URL = 'https://careers.test.example';
jest.setTimeout(90_000);

describe('a deployment with workers and a feed service but no ingest', () => {
  let database: TestDatabase;
  let redisServer: RedisServer;
  let partner: PartnerServer;
  let receiver: WebhookReceiver;
  let dataDir: string;
  const children: ChildProcess[] = [];
  let output = '';
  let feedPort = 0;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    redisServer = await startRedisServer();
    partner = await startPartnerServer();
    receiver = await startWebhookReceiver();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-no-ingest-'));

    const published = new Date(Date.now() - 60_000).toUTCString();
    partner.routes.set(
      '/rss.xml',
      serveFeed(
        () =>
          rssFeed(
            `<item><title>Spring internship fair moves online</title><link>https://alumni.example.edu/posts/fair</link>` +
              `<guid>fair-2027</guid><pubDate>${published}</pubDate><description>Booths open at noon.</description></item>`,
          ),
        'application/rss+xml; charset=utf-8',
      ),
    );

    const redis = createRedisConnection(redisServer.url, 'producer', testRedisErrors(), { enableOfflineQueue: true });
    const deliveriesQueue: Queue = openWebhookDeliveriesQueue(redis, 'careerfeed');
    const hook = await createWebhook(
      {
        db: database.db,
        deliveriesQueue,
        allowPrivateNetworks: true,
        // The deployment's default key: generated into its DATA_DIR, where the workers below find it.
        secretsKey: resolveWebhookSecretsKey({ webhookSecretsKey: undefined, dataDir }),
      },
      { url: `${receiver.origin}/hooks`, networks: ['mastodon'] },
    );
    receiver.route('/hooks', hook.secret);
    await deliveriesQueue.close();
    redis.disconnect();
    // Added as an operator's script would, with nothing running: the first source-poll tick of the
    // workers that start below polls it.
    await createSource(
      { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, allowPrivateNetworks: true },
      { url: `${partner.origin}/rss.xml` },
    );

    const env = {
      ...baseEnv(),
      DATABASE_URL: database.url,
      REDIS_URL: redisServer.url,
      PUBLIC_BASE_URL,
      ALLOW_PRIVATE_NETWORKS: 'true',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
    };
    const start = (service: 'worker' | 'feed', port: number, portVariable: string) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'services', service, 'dist', 'main.js')], {
        cwd: ROOT,
        env: { ...env, [portVariable]: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      children.push(child);
    };
    const workerPorts = [await freePort(), await freePort()];
    for (const port of workerPorts) start('worker', port, 'WORKER_PORT');
    feedPort = await freePort();
    start('feed', feedPort, 'FEED_PORT');
    for (const port of [...workerPorts, feedPort]) await waitForPort(port, 20_000);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => exited(child)));
    await Promise.all([partner?.close(), receiver?.close(), redisServer?.stop()]);
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function feedItems(): Promise<string[]> {
    const res = await fetch(`http://127.0.0.1:${feedPort}/feed.json`);
    const body = (await res.json()) as { items: { title: string }[] };
    return body.items.map((item) => item.title);
  }

  test('when a partner source brings a post and a scheduled post comes due, then both are announced', async () => {
    // Cached by the feed service before the posts exist: only an announcement refreshes it in time.
    await feedItems();

    const postsDeps = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL };
    await upsertAuthor(database.db.kysely, { slug: 'grace-whitfield', name: 'Grace Whitfield' }, new Date().toISOString());
    const scheduled = await createPost(postsDeps, {
      title: 'Résumé clinic this Friday',
      html: '<p>Bring a printed copy.</p>',
      author: 'grace-whitfield',
      published_at: new Date(Date.now() + 4_000).toISOString(),
    });

    await waitFor(
      async () => {
        const titles = await feedItems();
        return titles.includes('Spring internship fair moves online') && titles.includes('Résumé clinic this Friday');
      },
      // Under the feed cache's 60 s lifetime: the posts show because their events were announced
      // (the worker invalidated the cached feed), not because the cached copy expired.
      30_000,
      `the feed service never showed both posts:\n${output}`,
    );
    await waitFor(() => receiver.deliveredTo('/hooks').length >= 2, 30_000, `webhooks not delivered:\n${output}`);

    const bodies = receiver.deliveredTo('/hooks').map((hook) => JSON.parse(hook.body) as { data: { post_id: string } });
    expect(bodies.map((body) => body.data.post_id)).toContain(scheduled.post.id);
    expect(receiver.deliveredTo('/hooks').every((hook) => hook.verified)).toBe(true);
    // Two relays, one announcement each: one message per post and network.
    expect(new Set(receiver.deliveredTo('/hooks').map((hook) => hook.msgId)).size).toBe(2);

    const pending = await database.db.kysely
      .selectFrom('outbox_events')
      .select('id')
      .where('dispatched_at', 'is', null)
      .execute();
    expect(pending).toEqual([]);
    expect(children.every((child) => child.exitCode === null)).toBe(true);
  });
});
