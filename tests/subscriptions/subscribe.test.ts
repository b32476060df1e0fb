import { FeedCache } from '@careerfeed/feeds';
import { confirmationMailJobId, createConfirmationMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { DIALECTS } from '../helpers/databases';
import { pino } from 'pino';
import supertest from 'supertest';
import { createFeedApp } from '@careerfeed/feed';
import { startFeedInstance } from '../helpers/feed';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { freePort } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { htmlProblems, parsePage } from '../pages/page-inspection';
import { HTML, type SubscriptionsHarness, randomEmail, randomIp, startSubscriptionsHarness } from './support';

describe.each(DIALECTS)('subscribing (%s)', (dialect) => {
  let h: SubscriptionsHarness;

  beforeAll(async () => {
    h = await startSubscriptionsHarness(dialect);
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(async () => {
    await h.mails.obliterate({ force: true });
  });

  function postJson(body: unknown, ip = randomIp()) {
    return h.feed.request
      .post('/subscribe')
      .set('X-Forwarded-For', ip)
      .set('Accept', 'application/json')
      .send(body as object);
  }

  function postForm(form: string, ip = randomIp()) {
    return h.feed.request
      .post('/subscribe')
      .set('X-Forwarded-For', ip)
      .set('Accept', HTML)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(form);
  }

  describe('the form', () => {
    test('when /subscribe is opened, then it is a valid page with every field, the topics and a hash-allowed script', async () => {
      const response = await h.feed.request.get('/subscribe').set('Accept', HTML);
      expect(response.status).toBe(200);
      expect(await htmlProblems(response.text)).toEqual([]);
      const page = parsePage(response.text);
      const form = page.all('form').find((f) => f.attribs.action === '/subscribe')!;
      expect(form.attribs.method).toBe('post');
      const inputs = page.within(form, 'input');
      expect(inputs.find((i) => i.attribs.name === 'email')?.attribs.type).toBe('email');
      expect(inputs.find((i) => i.attribs.name === 'frequency' && 'checked' in i.attribs)?.attribs.value).toBe(
        'weekly',
      );
      // One choice per topic: the "interviews" tag and category are one topic.
      expect(inputs.filter((i) => i.attribs.name === 'topics').map((i) => i.attribs.value)).toEqual([
        'topic:interviews',
        'topic:preparation',
      ]);
      const selects = Object.fromEntries(page.within(form, 'select').map((s) => [s.attribs.name, s]));
      const selectedValue = (name: string) =>
        page.within(selects[name]!, 'option').find((o) => 'selected' in o.attribs)?.attribs.value;
      expect(selectedValue('timezone')).toBe('UTC');
      expect(selectedValue('hour')).toBe('8');
      expect(selectedValue('weekday')).toBe('1');
      expect(page.within(selects.timezone!, 'option').length).toBeGreaterThan(300);
      expect('data-guess-time-zone' in selects.timezone!.attribs).toBe(true);
      const csp = response.headers['content-security-policy']!;
      expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(csp).not.toContain('unsafe-inline');
      // The time-zone guess and the topic filter.
      expect(page.all('script')).toHaveLength(2);
    });

    test('when the home page is opened, then it carries the short form posting to /subscribe with a guessed time zone', async () => {
      const response = await h.feed.request.get('/').set('Accept', HTML);
      expect(response.status).toBe(200);
      expect(await htmlProblems(response.text)).toEqual([]);
      const page = parsePage(response.text);
      const form = page.all('form').find((f) => f.attribs.action === '/subscribe')!;
      const inputs = page.within(form, 'input');
      expect(inputs.map((i) => i.attribs.name)).toEqual(['email', 'frequency', 'frequency', 'timezone']);
      expect(inputs[3]!.attribs).toMatchObject({ type: 'hidden', value: 'UTC', 'data-guess-time-zone': '' });
    });
  });

  describe('double opt-in', () => {
    test('when a new address subscribes with JSON, then it is stored pending with its choices and a confirm job is queued', async () => {
      const email = randomEmail();
      const response = await postJson({
        email: `  ${email.toUpperCase()} `,
        frequency: 'daily',
        topics: ['tag:interviews', 'interviews'],
        timezone: 'Asia/Kolkata',
        hour: 7,
        weekday: 5,
      });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ status: 'pending', message: expect.any(String) });
      const row = (await h.subscriber(email))!;
      expect(row).toMatchObject({
        email: email.toUpperCase(),
        email_key: email,
        status: 'pending',
        frequency: 'daily',
        time_zone: 'Asia/Kolkata',
        delivery_hour: 7,
        delivery_weekday: 5,
        paused: 0,
        confirmed_at: null,
        next_digest_at: null,
      });
      expect(JSON.parse(row.topics)).toEqual(['category:interviews', 'tag:interviews']);
      expect(row.confirmation_nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(row.confirmation_sent_at).not.toBeNull();
      const data = { kind: 'confirm', subscriberId: row.id, nonce: row.confirmation_nonce! } as const;
      expect(await h.queuedJobs()).toEqual([{ id: confirmationMailJobId(data), name: 'confirm', data }]);
    });

    test('when a form is posted with only an address, then the defaults apply: weekly, Monday, 08:00 UTC, every topic', async () => {
      const email = randomEmail();
      const response = await postForm(`email=${encodeURIComponent(email)}`);
      expect(response.status).toBe(202);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(await htmlProblems(response.text)).toEqual([]);
      expect(parsePage(response.text).first('h1')!.text).toBe('Check your inbox');
      expect(await h.subscriber(email)).toMatchObject({
        frequency: 'weekly',
        time_zone: 'UTC',
        delivery_hour: 8,
        delivery_weekday: 1,
        topics: '[]',
      });
    });

    test('when the same address asks again while pending, then the nonce is replaced and a new confirm job is queued', async () => {
      const email = randomEmail();
      await postJson({ email });
      const first = (await h.subscriber(email))!;
      await postJson({ email, frequency: 'instant' });
      const second = (await h.subscriber(email))!;
      expect(second.id).toBe(first.id);
      expect(second.frequency).toBe('instant');
      expect(second.confirmation_nonce).not.toBe(first.confirmation_nonce);
      expect((await h.queuedJobs()).map((j) => j.data)).toEqual([
        { kind: 'confirm', subscriberId: first.id, nonce: first.confirmation_nonce },
        { kind: 'confirm', subscriberId: first.id, nonce: second.confirmation_nonce },
      ]);
    });

    test('when an active address subscribes again, then nothing changes and an already-subscribed job is queued', async () => {
      const email = randomEmail();
      await postJson({ email });
      const row = (await h.subscriber(email))!;
      await h.database.db.kysely
        .updateTable('subscribers')
        .set({ status: 'active', confirmation_nonce: null, frequency: 'daily' })
        .where('id', '=', row.id)
        .execute();
      await h.mails.obliterate({ force: true });
      const before = (await h.subscriber(email))!;

      const response = await postJson({ email, frequency: 'weekly' });

      expect(response.status).toBe(202);
      expect(await h.subscriber(email)).toEqual(before);
      const jobs = await h.queuedJobs();
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.data).toEqual({ kind: 'already-subscribed', subscriberId: row.id, nonce: expect.any(String) });
      expect(jobs[0]!.id).toBe(confirmationMailJobId(jobs[0]!.data));
    });

    test('when a suspended address subscribes, then the answer is the same and nothing is stored or queued', async () => {
      const email = randomEmail();
      await postJson({ email });
      await h.database.db.kysely
        .updateTable('subscribers')
        .set({ status: 'suspended', confirmation_nonce: null })
        .where('email_key', '=', email)
        .execute();
      await h.mails.obliterate({ force: true });
      const before = (await h.subscriber(email))!;
      const response = await postJson({ email });
      expect(response.status).toBe(202);
      expect(await h.subscriber(email)).toEqual(before);
      expect(await h.queuedJobs()).toEqual([]);
    });

    test('when new, pending, active and suspended addresses subscribe, then status and body are identical (no enumeration)', async () => {
      const [pending, active, suspended] = [randomEmail(), randomEmail(), randomEmail()];
      for (const email of [pending, active, suspended]) await postJson({ email });
      const db = h.database.db.kysely;
      await db
        .updateTable('subscribers')
        .set({ status: 'active', confirmation_nonce: null })
        .where('email_key', '=', active)
        .execute();
      await db.updateTable('subscribers').set({ status: 'suspended' }).where('email_key', '=', suspended).execute();
      for (const accept of ['application/json', HTML]) {
        const answers = [];
        for (const email of [randomEmail(), pending, active, suspended]) {
          const response = await h.feed.request
            .post('/subscribe')
            .set('X-Forwarded-For', randomIp())
            .set('Accept', accept)
            .type('form')
            .send({ email });
          answers.push({ status: response.status, type: response.headers['content-type'], body: response.text });
        }
        expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
        expect(answers[0]!.status).toBe(202);
      }
    });
  });

  describe('bad input', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a missing address', {}, 'email'],
      ['an invalid address', { email: 'not-an-address' }, 'email'],
      ['a 10 KB address', { email: `${'a'.repeat(10_000)}@uni.example.edu` }, 'email'],
      ['a header injection in the address', { email: 'ana@uni.example.edu\r\nBcc: all@uni.example.edu' }, 'email'],
      ['a header injection in the time zone', { email: 'ana@uni.example.edu', timezone: 'UTC\r\nX: y' }, 'timezone'],
      ['a line break in a topic', { email: 'ana@uni.example.edu', topics: ['tag:interviews\n'] }, 'topics/0'],
      ['a unicode-heavy address', { email: `${'ü'.repeat(40)}@例え.テスト` }, 'email'],
      ['an unknown time zone', { email: 'ana@uni.example.edu', timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [
        'an unknown topic',
        { email: 'ana@uni.example.edu', topics: ['tag:interviews', 'tag:basket-weaving'] },
        'topics/1',
      ],
      ['1000 topics', { email: 'ana@uni.example.edu', topics: Array.from({ length: 1000 }, () => 'tag:x') }, 'topics'],
      ['an unknown frequency', { email: 'ana@uni.example.edu', frequency: 'hourly' }, 'frequency'],
      ['an hour out of range', { email: 'ana@uni.example.edu', hour: 24 }, 'hour'],
      ['a weekday out of range', { email: 'ana@uni.example.edu', weekday: 0 }, 'weekday'],
      ['an unknown field', { email: 'ana@uni.example.edu', admin: true }, 'admin'],
    ];

    test.each(cases)(
      'when the body has %s, then 400 names the field and nothing is stored or queued',
      async (_, body, path) => {
        const before = await h.subscriberCount();
        const response = await postJson(body);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(response.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
        expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
        expect(await h.subscriberCount()).toBe(before);
        expect(await h.queuedJobs()).toEqual([]);
      },
    );

    test('when a form carries a header injection, then the answer is a valid HTML page naming the field, and nothing is stored', async () => {
      const before = await h.subscriberCount();
      const response = await postForm('email=ana%40uni.example.edu%0D%0ABcc%3A%20x%40evil.example&frequency=weekly');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(await htmlProblems(response.text)).toEqual([]);
      expect(parsePage(response.text).first('h1')!.text).toBe('Please check the form');
      expect(response.text).not.toContain('evil.example');
      expect(await h.subscriberCount()).toBe(before);
    });

    test('when the body is neither a form nor JSON, then 415 and nothing is stored', async () => {
      const response = await h.feed.request
        .post('/subscribe')
        .set('X-Forwarded-For', randomIp())
        .set('Accept', 'application/json')
        .set('Content-Type', 'text/plain')
        .send('email=ana@uni.example.edu');
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await h.subscriber('ana@uni.example.edu')).toBeUndefined();
    });

    test('when the JSON is malformed or the body is huge, then 400 and 413', async () => {
      const malformed = await h.feed.request
        .post('/subscribe')
        .set('X-Forwarded-For', randomIp())
        .set('Content-Type', 'application/json')
        .send('{"email": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      const huge = await postJson({ email: 'ana@uni.example.edu', topics: ['x'.repeat(100_000)] });
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await h.subscriber('ana@uni.example.edu')).toBeUndefined();
    });
  });

  describe('rate limits', () => {
    test('when one client sends more than 10 requests in 10 minutes, then it gets 429 with Retry-After and nothing more is stored', async () => {
      const ip = randomIp();
      for (let i = 0; i < 10; i += 1) expect((await postJson({ email: randomEmail() }, ip)).status).toBe(202);
      const refused = [];
      for (let i = 0; i < 5; i += 1) {
        const email = randomEmail();
        refused.push({ response: await postJson({ email }, ip), email });
      }
      for (const { response, email } of refused) {
        expect(response.status).toBe(429);
        expect(response.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(600);
        expect(await h.subscriber(email)).toBeUndefined();
      }
      expect(await h.queuedJobs()).toHaveLength(10);
      // Another client is not affected.
      expect((await postJson({ email: randomEmail() })).status).toBe(202);
    });

    test('when a browser is over the limit, then it reads a 429 page', async () => {
      const ip = randomIp();
      for (let i = 0; i < 10; i += 1) await postForm(`email=${randomEmail()}`, ip);
      const response = await postForm(`email=${randomEmail()}`, ip);
      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toMatch(/^[0-9]+$/);
      expect(await htmlProblems(response.text)).toEqual([]);
      expect(parsePage(response.text).first('h1')!.text).toBe('Too many attempts');
    });

    test('when one address is asked for more than 3 times an hour from different clients, then 429 and its row is left as it was', async () => {
      const email = randomEmail();
      for (let i = 0; i < 3; i += 1) expect((await postJson({ email })).status).toBe(202);
      const before = await h.subscriber(email);
      const response = await postJson({ email: email.toUpperCase(), frequency: 'daily' });
      expect(response.status).toBe(429);
      expect(response.body.code).toBe('RATE_LIMITED');
      expect(await h.subscriber(email)).toEqual(before);
      expect(await h.queuedJobs()).toHaveLength(3);
    });

    test('when there is no proxy to trust, then X-Forwarded-For is ignored and the socket address is limited', async () => {
      const direct = await startFeedInstance(h.database.db, `${h.ingest.redisPrefix}-direct`, { trustProxy: false });
      try {
        const statuses = [];
        for (let i = 0; i < 11; i += 1) {
          const response = await direct.request
            .post('/subscribe')
            .set('X-Forwarded-For', randomIp())
            .set('Accept', 'application/json')
            .send({ email: randomEmail() });
          statuses.push(response.status);
        }
        expect(statuses).toEqual([...Array(10).fill(202), 429]);
      } finally {
        await direct.close();
      }
    });
  });

  describe('when Redis is unavailable', () => {
    async function deadRedisUrl(): Promise<string> {
      return `redis://127.0.0.1:${await freePort()}`;
    }

    test('when the rate limits cannot be checked, then 503 with Retry-After and nothing is stored', async () => {
      // The app alone (no feed-invalidation subscriber, which would wait for Redis forever).
      const dead = createRedisConnection(await deadRedisUrl(), 'producer', testRedisErrors());
      const app = createFeedApp({
        db: h.database.db,
        redis: dead,
        redisPrefix: h.ingest.redisPrefix,
        subscriptionMails: createConfirmationMailQueue(dead, h.ingest.redisPrefix, { timeoutMs: 500 }),
        logger: pino({ level: 'silent' }),
        cache: new FeedCache(60_000),
        publicBaseUrl: PUBLIC_BASE_URL,
      });
      try {
        const email = randomEmail();
        const response = await supertest(app).post('/subscribe').set('Accept', 'application/json').send({ email });
        expect(response.status).toBe(503);
        expect(response.body.code).toBe('SERVICE_UNAVAILABLE');
        expect(response.headers['retry-after']).toBe('30');
        expect(await h.subscriber(email)).toBeUndefined();
      } finally {
        dead.disconnect();
      }
    });

    test('when the mail cannot be queued after the write, then 503 and the write is undone', async () => {
      const deadConnection = createRedisConnection(await deadRedisUrl(), 'producer', testRedisErrors());
      const deadQueue = createConfirmationMailQueue(deadConnection, h.ingest.redisPrefix, { timeoutMs: 500 });
      const half = await startFeedInstance(h.database.db, h.ingest.redisPrefix, {
        trustProxy: true,
        subscriptionMails: deadQueue,
      });
      try {
        // A new address: the row goes away again.
        const fresh = randomEmail();
        const first = await half.request
          .post('/subscribe')
          .set('X-Forwarded-For', randomIp())
          .set('Accept', 'application/json')
          .send({ email: fresh });
        expect(first.status).toBe(503);
        expect(await h.subscriber(fresh)).toBeUndefined();
        // A pending address: its earlier attempt is put back as it was.
        const pending = randomEmail();
        expect((await postJson({ email: pending })).status).toBe(202);
        const before = await h.subscriber(pending);
        const second = await half.request
          .post('/subscribe')
          .set('X-Forwarded-For', randomIp())
          .set('Accept', 'application/json')
          .send({ email: pending, frequency: 'instant' });
        expect(second.status).toBe(503);
        expect(await h.subscriber(pending)).toEqual(before);
      } finally {
        await half.close();
        await deadQueue.close().catch(() => undefined);
        deadConnection.disconnect();
      }
    });
  });
});
