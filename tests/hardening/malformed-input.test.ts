import http, { type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { createApiKey, createLogger } from '@careerfeed/http';
import { createRedisConnection } from '@careerfeed/jobs';
import { createWorkerApp } from '@careerfeed/worker';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { testRedisErrors } from '../helpers/redis-errors';
import { captureLogs } from '../helpers/log-capture';

function listenOn(handler: http.RequestListener): Promise<{ server: Server; port: number }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

/**
 * Sends only the head of a request declaring a huge body, and reads the status line that comes
 * back; the body is never sent, so an answer proves the server did not wait for it.
 */
function headOnlyStatus(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the head of POST ${path} within 3 s: the server waits for the body`));
    }, 3000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(received.slice(9, 12)), head: received.slice(0, end) });
    });
    socket.on('error', reject);
    const lines = Object.entries({ Host: '127.0.0.1', 'Content-Length': '50000000', ...headers }).map(
      ([name, value]) => `${name}: ${value}`,
    );
    socket.write(`POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  });
}

function expectProblem(response: supertest.Response, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
  expect(response.text).not.toMatch(/URIError|Z_DATA_ERROR|at .*\.js/);
}

const NOT_GZIP = Buffer.from('{"title": "this is not gzip"}');

describe('malformed input never answers 5xx', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let ingestServer: { server: Server; port: number };
  let feed: FeedInstance;
  let worker: { server: Server; port: number; request: supertest.Agent };
  let workerRedis: Redis;
  let workerQueue: Queue;
  let auth: string;
  let adminAuth: string;
  const ingestLogs = captureLogs();
  const feedLogs = captureLogs();

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db, undefined, { logger: createLogger('ingest', 'info', ingestLogs.stream) });
    ingestServer = await listenOn(ingest.app);
    feed = await startFeedInstance(database.db, ingest.redisPrefix, {
      logger: createLogger('feed', 'info', feedLogs.stream),
    });
    auth = await ingest.bearer();
    adminAuth = `Bearer ${(await createApiKey(database.db, 'admin', ['admin'])).key}`;
    workerRedis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    workerQueue = new Queue('hardening-probe', { connection: workerRedis, prefix: ingest.redisPrefix });
    const workerApp = createWorkerApp({
      db: database.db,
      redis: workerRedis,
      logger: createLogger('worker', 'silent'),
      registry: new Registry(),
      queues: [workerQueue],
    });
    const listening = await listenOn(workerApp);
    worker = { ...listening, request: supertest.agent(workerApp) };
  });

  afterAll(async () => {
    worker?.server.closeAllConnections();
    await new Promise((resolve) => worker?.server.close(resolve));
    await workerQueue?.close();
    workerRedis?.disconnect();
    ingestServer?.server.closeAllConnections();
    await new Promise((resolve) => ingestServer?.server.close(resolve));
    await feed?.close();
    await ingest?.close();
    await database?.drop();
  });

  test('when a path holds a malformed percent-encoding, then ingest and feed answer 400 problems and log no error', async () => {
    expectProblem(await ingest.request.get('/v1/posts/%ff').set('Authorization', auth), 400);
    expectProblem(await ingest.request.delete('/v1/posts/%E0%A4%A').set('Authorization', auth), 400);
    expectProblem(await feed.request.get('/tags/%ff/feed.xml'), 400);
    // A page route may refuse the slug as no such page first: any 4xx, but never a 5xx.
    const page = await feed.request.get('/posts/%ff');
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.status).toBeLessThan(500);
    const lines = [...ingestLogs.lines(), ...feedLogs.lines()];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('URIError');
  });

  test('when a body has a broken or unknown Content-Encoding, then 400 or 415, never 500', async () => {
    const corrupt = (request: supertest.Test) =>
      request.set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(NOT_GZIP);
    const unknown = (request: supertest.Test) =>
      request.set('Content-Type', 'application/json').set('Content-Encoding', 'br2').send('{}');

    expectProblem(await corrupt(ingest.request.post('/v1/posts').set('Authorization', auth)), 400);
    expectProblem(await unknown(ingest.request.post('/v1/posts').set('Authorization', auth)), 415);
    for (const path of ['/subscribe', '/preferences?token=x', '/unsubscribe?token=x']) {
      expectProblem(await corrupt(feed.request.post(path).set('Accept', 'application/json')), 400);
      expectProblem(await unknown(feed.request.post(path).set('Accept', 'application/json')), 415);
    }
    const board = worker.request.put('/admin/queues/api/queues/hardening-probe/pause').set('Authorization', adminAuth);
    expect((await corrupt(board)).status).toBeLessThan(500);
    expect(feedLogs.lines().filter((line) => line.level >= 50)).toEqual([]);
    expect(ingestLogs.lines().filter((line) => line.level >= 50)).toEqual([]);
  });

  test('when a request declares a body over the limit, then 413 comes at once, before any of it is sent', async () => {
    const json = { 'Content-Type': 'application/json' };
    const ingestAnswer = await headOnlyStatus(ingestServer.port, '/v1/posts', { ...json, Authorization: auth });
    expect(ingestAnswer.status).toBe(413);
    expect(ingestAnswer.head.toLowerCase()).toContain('content-type: application/problem+json');
    const origin = new URL(feed.origin);
    for (const path of ['/subscribe', '/preferences?token=x', '/unsubscribe?token=x']) {
      expect((await headOnlyStatus(Number(origin.port), path, json)).status).toBe(413);
    }
    const dashboard = '/admin/queues/api/queues/hardening-probe/pause';
    expect((await headOnlyStatus(worker.port, dashboard, { ...json, Authorization: adminAuth })).status).toBe(413);
  });
});
