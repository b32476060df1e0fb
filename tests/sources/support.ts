import { type SourceResource } from '@careerfeed/posts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Dialect } from '@careerfeed/db';
import { createRedisConnection } from '@careerfeed/jobs';
import { Registry } from 'prom-client';
import { createSourcePollsWorker, sourcePollMetrics } from '@careerfeed/worker';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { testRedisErrors } from '../helpers/redis-errors';

export type PartnerHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A partner's web server on a free loopback port: tests set what each path answers. */
export interface PartnerServer {
  origin: string;
  routes: Map<string, PartnerHandler>;
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startPartnerServer(): Promise<PartnerServer> {
  const routes = new Map<string, PartnerHandler>();
  const requests: PartnerServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routes,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers `body` with `type`, a strong ETag, and 304 to a matching If-None-Match. */
export function serveFeed(body: () => string, type: string): PartnerHandler {
  return (req, res) => {
    const current = body();
    const etag = `"${Buffer.from(current).length}-${hash(current)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': type, etag, 'last-modified': 'Tue, 24 Nov 2026 10:00:00 GMT' }).end(current);
  };
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}

export function rssFeed(items: string, title = 'Alumni Relations News'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>${title}</title><link>https://alumni.example.edu/</link><description>News</description>${items}</channel></rss>`;
}

/**
 * The system around partner feeds: a migrated database, ingest (sources API, private networks
 * allowed so loopback partners can be added) and a worker consuming the source-polls queue, all on
 * one Redis prefix of their own. The source-polls worker alone, hand-wired on purpose: its fetch
 * deadline is shortened for slow partners, and these tests are about polling, not the worker's wiring.
 */
export interface SourcesEngine {
  database: TestDatabase;
  ingest: IngestHarness;
  admin: string;
  /** The worker's metrics (source_polls_total). */
  registry: Registry;
  close(): Promise<void>;
}

/** The fetch deadline in tests: short, so a slow-loris partner ends quickly. */
export const TEST_FETCH_TIMEOUT_MS = 3_000;

export async function startSourcesEngine(dialect: Dialect): Promise<SourcesEngine> {
  const database = await createTestDatabase(dialect);
  const ingest = createIngestHarness(database.db, process.env.TEST_REDIS_URL!, { allowPrivateNetworks: true });
  const admin = await ingest.bearer('admin');
  const redis: Redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
  const registry = new Registry();
  const worker: Worker = createSourcePollsWorker({
    connection: redis,
    prefix: ingest.redisPrefix,
    queue: ingest.sourcePolls,
    db: database.db,
    publicBaseUrl: PUBLIC_BASE_URL,
    allowPrivateNetworks: true,
    logger: pino({ level: 'silent' }),
    timeoutMs: TEST_FETCH_TIMEOUT_MS,
    onOutcome: sourcePollMetrics(registry),
  });
  return {
    database,
    ingest,
    admin,
    registry,
    close: async () => {
      await worker.close();
      redis.disconnect();
      await ingest.close();
      await database.drop();
    },
  };
}

/** A source as the API answers it. */
export type SourceBody = SourceResource;

export async function getSource(engine: SourcesEngine, id: string): Promise<SourceBody> {
  const response = await engine.ingest.request.get(`/v1/sources/${id}`).set('Authorization', engine.admin);
  expect(response.status).toBe(200);
  return response.body as SourceBody;
}

/** Adds a source and waits for the poll its creation queues to be recorded. */
export async function addSourceAndWait(engine: SourcesEngine, body: Record<string, unknown>): Promise<SourceBody> {
  const response = await engine.ingest.request.post('/v1/sources').set('Authorization', engine.admin).send(body);
  expect(response.status).toBe(201);
  const id = (response.body as SourceBody).id;
  let source: SourceBody | undefined;
  await waitFor(
    async () => {
      source = await getSource(engine, id);
      return source.health.last_poll_at !== null;
    },
    15_000,
    'the first poll was not recorded',
  );
  return source!;
}

/** Asks for a poll now and waits until it is recorded. */
export async function pollNowAndWait(engine: SourcesEngine, id: string): Promise<SourceBody> {
  const before = (await getSource(engine, id)).health.last_poll_at;
  const response = await engine.ingest.request.post(`/v1/sources/${id}/poll`).set('Authorization', engine.admin);
  expect(response.status).toBe(202);
  let source: SourceBody | undefined;
  await waitFor(
    async () => {
      source = await getSource(engine, id);
      return source.health.last_poll_at !== before;
    },
    15_000,
    'the poll was not recorded',
  );
  return source!;
}

/** The stored posts of a source, read back through the API. */
export async function postsOfSource(engine: SourcesEngine, sourceId: string): Promise<Record<string, unknown>[]> {
  const response = await engine.ingest.request.get('/v1/posts?limit=100').set('Authorization', engine.admin);
  expect(response.status).toBe(200);
  return (response.body.items as Record<string, unknown>[]).filter((post) => post.source === sourceId);
}
