import {
  TIME_ZONE_GUESS_SCRIPT_HASH,
  TOPIC_FILTER_SCRIPT,
  TOPIC_FILTER_SCRIPT_HASH,
  confirmationUrl,
  createSubscriberToken,
  manageLinks,
  verifySubscriberToken,
} from '@careerfeed/core';
import { DIALECTS } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { htmlProblems, parsePage } from '../pages/page-inspection';
import { HTML, type SubscriptionsHarness, randomEmail, randomIp, startSubscriptionsHarness } from './support';

const pathOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe.each(DIALECTS)('confirming and managing a subscription (%s)', (dialect) => {
  let h: SubscriptionsHarness;
  /** How far the feed service's clock runs ahead of the real one (tests of expiry move it). */
  let clockAheadMs = 0;

  beforeAll(async () => {
    h = await startSubscriptionsHarness(dialect, { now: () => new Date(Date.now() + clockAheadMs) });
  });

  afterEach(() => {
    clockAheadMs = 0;
  });

  afterAll(async () => {
    await h.close();
  });

  /** Subscribes through the API and returns the confirmation link built from the queued job, as the worker will. */
  async function subscribe(
    body: Record<string, unknown> = {},
  ): Promise<{ email: string; id: string; confirm: string }> {
    const email = randomEmail();
    const response = await h.feed.request
      .post('/subscribe')
      .set('X-Forwarded-For', randomIp())
      .set('Accept', 'application/json')
      .send({ email, ...body });
    expect(response.status).toBe(202);
    const row = (await h.subscriber(email))!;
    const job = (await h.queuedJobs()).find(
      (j) => j.data.subscriberId === row.id && j.data.nonce === row.confirmation_nonce,
    )!;
    const url = confirmationUrl(
      PUBLIC_BASE_URL,
      await h.tokenKey(),
      { id: job.data.subscriberId, nonce: job.data.nonce },
      new Date(),
    );
    return { email, id: row.id, confirm: pathOf(url) };
  }

  /** The links a mail sent at `sentAt` carries, as the worker builds them (from the row's current link_version). */
  async function manage(id: string, sentAt = new Date()) {
    const row = (await h.database.db.kysely
      .selectFrom('subscribers')
      .select('link_version')
      .where('id', '=', id)
      .executeTakeFirst())!;
    const links = manageLinks(PUBLIC_BASE_URL, await h.tokenKey(), { id, linkVersion: row.link_version }, sentAt);
    return { preferences: pathOf(links.preferencesUrl), unsubscribe: pathOf(links.unsubscribeUrl) };
  }

  /** What a manage link's token says: subscriber, link version, expiry. */
  async function manageTokenOf(url: string) {
    const check = verifySubscriberToken(
      await h.tokenKey(),
      new URL(url, PUBLIC_BASE_URL).searchParams.get('token'),
      'manage',
    );
    if (!check.ok) throw new Error(`not a valid manage link: ${check.reason}`);
    return check.token;
  }

  describe('GET /subscribe/confirm', () => {
    test('when the link from the job is opened, then the subscriber is active with its next digest scheduled', async () => {
      const { email, id, confirm } = await subscribe({ frequency: 'daily', timezone: 'Asia/Kolkata', hour: 8 });
      const response = await h.feed.request.get(confirm).set('Accept', HTML);
      expect(response.status).toBe(200);
      expect(await htmlProblems(response.text)).toEqual([]);
      const page = parsePage(response.text);
      expect(page.first('h1')!.text).toBe('You are subscribed');
      const preferencesLink = page.all('a').find((a) => a.attribs.href?.startsWith(`${PUBLIC_BASE_URL}/preferences?`));
      expect(await manageTokenOf(preferencesLink!.attribs.href!)).toMatchObject({ subscriberId: id, version: 0 });
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      const row = (await h.subscriber(email))!;
      expect(row).toMatchObject({ status: 'active', confirmation_nonce: null });
      expect(row.confirmed_at).not.toBeNull();
      expect(row.digest_cursor).toBe(row.confirmed_at);
      // 08:00 in Kolkata is 02:30 UTC, the first one after confirming.
      expect(row.next_digest_at).toMatch(/T02:30:00\.000Z$/);
      expect(new Date(row.next_digest_at!).getTime()).toBeGreaterThan(new Date(row.confirmed_at!).getTime());
      expect(new Date(row.next_digest_at!).getTime() - new Date(row.confirmed_at!).getTime()).toBeLessThanOrEqual(
        86_400_000,
      );
    });

    test('when an instant subscriber confirms with JSON, then it is active with no scheduled digest and the links are returned', async () => {
      const { email, id, confirm } = await subscribe({ frequency: 'instant' });
      const response = await h.feed.request.get(confirm).set('Accept', 'application/json');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'active',
        preferences_url: expect.stringMatching(/^https:\/\/careers\.test\.example\/preferences\?token=/),
        unsubscribe_url: expect.stringMatching(/^https:\/\/careers\.test\.example\/unsubscribe\?token=/),
      });
      const token = await manageTokenOf(response.body.preferences_url);
      expect(token).toMatchObject({ subscriberId: id, version: 0 });
      // The link works for 90 days from now.
      expect(Math.abs(token.expiresAt! - (Date.now() / 1000 + 90 * 86_400))).toBeLessThan(60);
      expect(await h.subscriber(email)).toMatchObject({ status: 'active', next_digest_at: null });
    });

    test('when the link is older than 48 hours, then 410 with a way to subscribe again, and nothing changes', async () => {
      const { email } = await subscribe();
      const row = (await h.subscriber(email))!;
      const old = confirmationUrl(
        PUBLIC_BASE_URL,
        await h.tokenKey(),
        { id: row.id, nonce: row.confirmation_nonce! },
        new Date(Date.now() - 49 * 3600_000),
      );
      const page = await h.feed.request.get(pathOf(old)).set('Accept', HTML);
      expect(page.status).toBe(410);
      expect(await htmlProblems(page.text)).toEqual([]);
      expect(
        parsePage(page.text)
          .all('a')
          .some((a) => a.attribs.href === `${PUBLIC_BASE_URL}/subscribe`),
      ).toBe(true);
      const json = await h.feed.request.get(pathOf(old)).set('Accept', 'application/json');
      expect(json.status).toBe(410);
      expect(json.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(json.body.code).toBe('TOKEN_EXPIRED');
      expect(await h.subscriber(email)).toEqual(row);
    });

    test.each([
      ['a tampered signature', (t: string) => `${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`],
      [
        'a forged payload',
        (t: string) => `${Buffer.from('{"s":"x","p":"confirm","n":"n"}').toString('base64url')}.${t.split('.')[1]}`,
      ],
      ['garbage', () => '<script>alert(1)</script>'],
      ['nothing', () => ''],
      ['10 KB', () => 'a'.repeat(10_000)],
    ])('when the token is %s, then 400 and nothing changes', async (_, mangle) => {
      const { email, confirm } = await subscribe();
      const before = await h.subscriber(email);
      const token = new URL(confirm, PUBLIC_BASE_URL).searchParams.get('token')!;
      const response = await h.feed.request
        .get('/subscribe/confirm')
        .query({ token: mangle(token) })
        .set('Accept', 'application/json');
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('TOKEN_INVALID');
      const page = await h.feed.request
        .get('/subscribe/confirm')
        .query({ token: mangle(token) })
        .set('Accept', HTML);
      expect(page.status).toBe(400);
      expect(await htmlProblems(page.text)).toEqual([]);
      expect(page.text).not.toContain('<script>alert');
      expect(await h.subscriber(email)).toEqual(before);
    });

    test('when a manage token is used to confirm, then 400', async () => {
      const { email, id } = await subscribe();
      const response = await h.feed.request
        .get((await manage(id)).preferences.replace('/preferences', '/subscribe/confirm'))
        .set('Accept', 'application/json');
      expect(response.status).toBe(400);
      expect((await h.subscriber(email))!.status).toBe('pending');
    });

    test('when a confirmation link is opened twice, then the second is a 409 that changes nothing', async () => {
      const { email, confirm } = await subscribe();
      expect((await h.feed.request.get(confirm)).status).toBe(200);
      const after = await h.subscriber(email);
      const again = await h.feed.request.get(confirm).set('Accept', HTML);
      expect(again.status).toBe(409);
      expect(await htmlProblems(again.text)).toEqual([]);
      expect(parsePage(again.text).first('h1')!.text).toBe('This link has already been used');
      const json = await h.feed.request.get(confirm).set('Accept', 'application/json');
      expect(json.status).toBe(409);
      expect(json.body.code).toBe('TOKEN_USED');
      expect(await h.subscriber(email)).toEqual(after);
    });

    test('when an older link is opened after a newer request, then 409 (superseded) and the newer link still works', async () => {
      const first = await subscribe();
      const second = await h.feed.request
        .post('/subscribe')
        .set('X-Forwarded-For', randomIp())
        .send({ email: first.email });
      expect(second.status).toBe(202);
      expect((await h.feed.request.get(first.confirm).set('Accept', 'application/json')).status).toBe(409);
      expect((await h.subscriber(first.email))!.status).toBe('pending');
      const row = (await h.subscriber(first.email))!;
      const newer = confirmationUrl(
        PUBLIC_BASE_URL,
        await h.tokenKey(),
        { id: row.id, nonce: row.confirmation_nonce! },
        new Date(),
      );
      expect((await h.feed.request.get(pathOf(newer))).status).toBe(200);
    });

    test('when an unused confirmation link is opened after unsubscribing, then 409 and the address stays unsubscribed', async () => {
      const { email, id, confirm } = await subscribe();
      expect((await h.feed.request.post((await manage(id)).unsubscribe)).status).toBe(200);
      const response = await h.feed.request.get(confirm).set('Accept', 'application/json');
      expect(response.status).toBe(409);
      expect(await h.subscriber(email)).toMatchObject({
        status: 'unsubscribed',
        confirmed_at: null,
        next_digest_at: null,
      });
    });
  });

  describe('preferences', () => {
    async function active(body: Record<string, unknown> = {}) {
      const s = await subscribe(body);
      expect((await h.feed.request.get(s.confirm)).status).toBe(200);
      return { ...s, links: await manage(s.id) };
    }

    test('when the preferences page is opened, then the form shows the stored choices', async () => {
      const { links } = await active({
        frequency: 'daily',
        topics: ['tag:preparation'],
        timezone: 'America/New_York',
        hour: 18,
      });
      const response = await h.feed.request.get(links.preferences).set('Accept', HTML);
      expect(response.status).toBe(200);
      expect(await htmlProblems(response.text)).toEqual([]);
      const page = parsePage(response.text);
      const form = page.all('form').find((f) => f.attribs.action === '/preferences')!;
      const inputs = page.within(form, 'input');
      const on = (name: string) =>
        inputs.filter((i) => i.attribs.name === name && 'checked' in i.attribs).map((i) => i.attribs.value);
      expect(on('frequency')).toEqual(['daily']);
      // Stored as "tag:preparation" (before topics were unified): shown as its topic, ticked.
      expect(on('topics')).toEqual(['topic:preparation']);
      expect(on('paused')).toEqual([]);
      expect(inputs.find((i) => i.attribs.name === 'token')?.attribs.value).toBe(
        new URL(links.preferences, PUBLIC_BASE_URL).searchParams.get('token'),
      );
      const selectedOf = (name: string) =>
        page
          .within(
            page.within(form, 'select').find((s) => s.attribs.name === name)!,
            'option',
          )
          .find((o) => 'selected' in o.attribs)?.attribs.value;
      expect([selectedOf('timezone'), selectedOf('hour'), selectedOf('weekday')]).toEqual([
        'America/New_York',
        '18',
        '1',
      ]);
      // The topic filter runs here, allowed by its hash alone; nothing else may.
      expect(response.headers['content-security-policy']).toContain(
        `script-src ${TIME_ZONE_GUESS_SCRIPT_HASH} ${TOPIC_FILTER_SCRIPT_HASH}`,
      );
      expect(page.all('script').map((s) => s.text)).toEqual([TOPIC_FILTER_SCRIPT]);
    });

    test('when the form is saved, then the choices are stored and the next digest recomputed', async () => {
      const { email, links } = await active({ frequency: 'daily' });
      const token = new URL(links.preferences, PUBLIC_BASE_URL).searchParams.get('token')!;
      const response = await h.feed.request
        .post('/preferences')
        .set('Accept', HTML)
        .type('form')
        .send(
          `token=${token}&frequency=weekly&topics=tag%3Ainterviews&topics=category%3Ainterviews&timezone=Pacific%2FHonolulu&hour=6&weekday=3`,
        );
      expect(response.status).toBe(200);
      expect(await htmlProblems(response.text)).toEqual([]);
      expect(
        parsePage(response.text)
          .all('p')
          .some((p) => p.text === 'Your preferences are saved.'),
      ).toBe(true);
      const row = (await h.subscriber(email))!;
      expect(row).toMatchObject({
        frequency: 'weekly',
        time_zone: 'Pacific/Honolulu',
        delivery_hour: 6,
        delivery_weekday: 3,
        paused: 0,
      });
      expect(JSON.parse(row.topics)).toEqual(['category:interviews', 'tag:interviews']);
      // Wednesday 06:00 in Honolulu (UTC−10) is Wednesday 16:00 UTC.
      const due = new Date(row.next_digest_at!);
      expect([due.getUTCDay(), due.getUTCHours(), due.getUTCMinutes()]).toEqual([3, 16, 0]);
    });

    test('when paused with JSON and resumed later, then no digest is due while paused and the cursor restarts at the resume', async () => {
      const { email, links } = await active();
      const paused = await h.feed.request
        .post(links.preferences)
        .set('Accept', 'application/json')
        .send({ paused: true });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ status: 'active', paused: true, next_digest_at: null, frequency: 'weekly' });
      const whilePaused = (await h.subscriber(email))!;
      expect(whilePaused).toMatchObject({ paused: 1, next_digest_at: null, status: 'active' });
      const resumed = await h.feed.request
        .post(links.preferences)
        .set('Accept', 'application/json')
        .send({ paused: false });
      expect(resumed.body.next_digest_at).toEqual(expect.any(String));
      const row = (await h.subscriber(email))!;
      expect(row.paused).toBe(0);
      expect(row.digest_cursor! > whilePaused.digest_cursor!).toBe(true);
    });

    test.each([
      ['an unknown topic', { topics: ['tag:basket-weaving'] }, 'topics/0'],
      ['an unknown time zone', { timezone: 'Europe/Atlantis' }, 'timezone'],
      ['a header injection', { timezone: 'UTC\r\nBcc: x@evil.example' }, 'timezone'],
      ['an hour out of range', { hour: '25' }, 'hour'],
      ['an unknown field', { email: 'other@uni.example.edu' }, 'email'],
    ])('when the update has %s, then 400 names the field and nothing changes', async (_, body, path) => {
      const { email, links } = await active();
      const before = await h.subscriber(email);
      const response = await h.feed.request.post(links.preferences).set('Accept', 'application/json').send(body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await h.subscriber(email)).toEqual(before);
    });

    test('when the token is missing or forged, then 400 and nothing changes', async () => {
      const { email, id } = await active();
      const before = await h.subscriber(email);
      const forged = createSubscriberToken(Buffer.alloc(32, 1), { subscriberId: id, purpose: 'manage' });
      for (const path of ['/preferences', `/preferences?token=${forged}`]) {
        const response = await h.feed.request.post(path).set('Accept', 'application/json').send({ frequency: 'daily' });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('TOKEN_INVALID');
      }
      expect(await h.subscriber(email)).toEqual(before);
    });

    test('when preferences are posted with a link from before unsubscribing, then 410 LINK_REVOKED and it stays unsubscribed', async () => {
      const { email, links } = await active();
      await h.feed.request.post(links.unsubscribe);
      const before = await h.subscriber(email);
      const response = await h.feed.request
        .post(links.preferences)
        .set('Accept', 'application/json')
        .send({ frequency: 'daily' });
      expect(response.status).toBe(410);
      expect(response.body.code).toBe('LINK_REVOKED');
      expect(await h.subscriber(email)).toEqual(before);
      expect(before).toMatchObject({ status: 'unsubscribed', next_digest_at: null });
    });
  });

  describe('unsubscribing', () => {
    test('when the unsubscribe page is opened, then it has one button posting to the same link and changes nothing', async () => {
      const { email, id, confirm } = await subscribe();
      await h.feed.request.get(confirm);
      const links = await manage(id);
      const response = await h.feed.request.get(links.unsubscribe).set('Accept', HTML);
      expect(response.status).toBe(200);
      expect(await htmlProblems(response.text)).toEqual([]);
      const page = parsePage(response.text);
      const forms = page.all('form');
      expect(forms).toHaveLength(1);
      expect(forms[0]!.attribs).toMatchObject({ method: 'post', action: links.unsubscribe });
      expect(page.within(forms[0]!, 'button')).toHaveLength(1);
      expect((await h.subscriber(email))!.status).toBe('active');
    });

    test('when a mail client sends the RFC 8058 one-click POST, then the address is unsubscribed at once, and again is harmless', async () => {
      const { email, id, confirm } = await subscribe({ frequency: 'daily' });
      await h.feed.request.get(confirm);
      expect((await h.subscriber(email))!.next_digest_at).not.toBeNull();
      const links = await manage(id);
      const response = await h.feed.request
        .post(links.unsubscribe)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('List-Unsubscribe=One-Click');
      expect(response.status).toBe(200);
      const row = (await h.subscriber(email))!;
      expect(row).toMatchObject({ status: 'unsubscribed', next_digest_at: null, confirmation_nonce: null });
      expect(row.unsubscribed_at).not.toBeNull();
      // Idempotent: same answer, the first unsubscribed_at is kept.
      const again = await h.feed.request.post(links.unsubscribe).set('Accept', 'application/json');
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'unsubscribed' });
      expect(await h.subscriber(email)).toEqual(row);
    });

    test('when the one-click POST has an empty body, a JSON body or an odd content type, then it still unsubscribes', async () => {
      for (const send of [
        (path: string) => h.feed.request.post(path),
        (path: string) => h.feed.request.post(path).set('Content-Type', 'application/json').send('{not json'),
        (path: string) => h.feed.request.post(path).set('Content-Type', 'text/plain').send('whatever'),
      ]) {
        const { email, id } = await subscribe();
        const response = await send((await manage(id)).unsubscribe);
        expect(response.status).toBe(200);
        expect((await h.subscriber(email))!.status).toBe('unsubscribed');
      }
    });

    test('when the unsubscribe token is forged, then 400 and nothing changes', async () => {
      const { email, id } = await subscribe();
      const forged = createSubscriberToken(Buffer.alloc(32, 7), { subscriberId: id, purpose: 'manage' });
      const response = await h.feed.request.post(`/unsubscribe?token=${forged}`).set('Accept', 'application/json');
      expect(response.status).toBe(400);
      expect((await h.subscriber(email))!.status).toBe('pending');
    });
  });

  describe('link lifetime and revocation', () => {
    async function active(email?: string) {
      const s = await subscribe(email ? { email } : {});
      expect((await h.feed.request.get(s.confirm)).status).toBe(200);
      return { ...s, links: await manage(s.id) };
    }

    /** Subscribes an address again (after it unsubscribed) and confirms with the link the worker would send. */
    async function subscribeAgain(email: string): Promise<void> {
      const response = await h.feed.request.post('/subscribe').set('X-Forwarded-For', randomIp()).send({ email });
      expect(response.status).toBe(202);
      const row = (await h.subscriber(email))!;
      expect(row.status).toBe('pending');
      const url = confirmationUrl(
        PUBLIC_BASE_URL,
        await h.tokenKey(),
        { id: row.id, nonce: row.confirmation_nonce! },
        new Date(),
      );
      expect((await h.feed.request.get(pathOf(url))).status).toBe(200);
    }

    async function expectGonePage(path: string, heading: string): Promise<void> {
      const page = await h.feed.request.get(path).set('Accept', HTML);
      expect(page.status).toBe(410);
      expect(await htmlProblems(page.text)).toEqual([]);
      const parsed = parsePage(page.text);
      expect(parsed.first('h1')!.text).toBe(heading);
      expect(parsed.all('a').some((a) => a.attribs.href === `${PUBLIC_BASE_URL}/subscribe`)).toBe(true);
      expect(page.headers['cache-control']).toBe('no-store');
    }

    test('when an address unsubscribes and subscribes again, then no link from before manages the new subscription, and the new links do', async () => {
      const first = await active();
      expect((await h.feed.request.post(first.links.unsubscribe)).status).toBe(200);
      // Unsubscribing alone revokes the links at once.
      await expectGonePage(first.links.preferences, 'This link no longer works');
      await subscribeAgain(first.email);
      const renewed = (await h.subscriber(first.email))!;
      expect(renewed).toMatchObject({ id: first.id, status: 'active' });

      await expectGonePage(first.links.preferences, 'This link no longer works');
      await expectGonePage(first.links.unsubscribe, 'This link no longer works');
      const json = await h.feed.request.get(first.links.preferences).set('Accept', 'application/json');
      expect(json.status).toBe(410);
      expect(json.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(json.body.code).toBe('LINK_REVOKED');
      const save = await h.feed.request
        .post(first.links.preferences)
        .set('Accept', 'application/json')
        .send({ frequency: 'daily' });
      expect(save.status).toBe(410);
      expect(save.body.code).toBe('LINK_REVOKED');
      // The one-click POST answers as for a subscriber that no longer exists, and ends nothing.
      const oneClick = await h.feed.request
        .post(first.links.unsubscribe)
        .set('Accept', 'application/json')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('List-Unsubscribe=One-Click');
      expect(oneClick.status).toBe(200);
      expect(oneClick.body).toEqual({ status: 'unsubscribed' });
      expect(await h.subscriber(first.email)).toEqual(renewed);

      const fresh = await manage(first.id);
      expect((await h.feed.request.get(fresh.preferences).set('Accept', 'application/json')).status).toBe(200);
      expect((await h.feed.request.post(fresh.unsubscribe)).status).toBe(200);
      expect((await h.subscriber(first.email))!.status).toBe('unsubscribed');
    });

    test('when a link is older than 90 days, then 410 LINK_EXPIRED offering fresh links and nothing changes; an 89-day-old one still unsubscribes', async () => {
      const { email, id } = await active();
      const before = (await h.subscriber(email))!;
      const old = await manage(id, new Date(Date.now() - 91 * 86_400_000));
      await expectGonePage(old.preferences, 'This link has expired');
      await expectGonePage(old.unsubscribe, 'This link has expired');
      const json = await h.feed.request.get(old.preferences).set('Accept', 'application/json');
      expect(json.status).toBe(410);
      expect(json.body.code).toBe('LINK_EXPIRED');
      const oneClick = await h.feed.request.post(old.unsubscribe).set('Accept', 'application/json');
      expect(oneClick.status).toBe(410);
      expect(oneClick.body.code).toBe('LINK_EXPIRED');
      expect(await h.subscriber(email)).toEqual(before);

      const lastQuarter = await manage(id, new Date(Date.now() - 89 * 86_400_000));
      expect((await h.feed.request.post(lastQuarter.unsubscribe)).status).toBe(200);
      expect((await h.subscriber(email))!.status).toBe('unsubscribed');
    });

    test('when a link from before links expired (no version, no expiry) is used, then it works until the recorded deadline and unsubscribing revokes it', async () => {
      const { email, id } = await active();
      const legacy = createSubscriberToken(await h.tokenKey(), { subscriberId: id, purpose: 'manage' });
      const deadlineRow = await h.database.db.kysely
        .selectFrom('settings')
        .select('value')
        .where('key', '=', 'legacy-manage-links-until')
        .executeTakeFirstOrThrow();
      const deadline = new Date(JSON.parse(deadlineRow.value) as string).getTime();
      // The migration recorded a deadline about 90 days after it ran (this test database's creation).
      expect(deadline - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(deadline - Date.now()).toBeLessThanOrEqual(90 * 86_400_000);

      expect((await h.feed.request.get(`/preferences?token=${legacy}`).set('Accept', 'application/json')).status).toBe(
        200,
      );
      clockAheadMs = deadline - Date.now() + 1000;
      const late = await h.feed.request.get(`/preferences?token=${legacy}`).set('Accept', 'application/json');
      expect(late.status).toBe(410);
      expect(late.body.code).toBe('LINK_EXPIRED');
      clockAheadMs = 0;

      expect((await h.feed.request.post(`/unsubscribe?token=${legacy}`)).status).toBe(200);
      expect((await h.subscriber(email))!.status).toBe('unsubscribed');
      await expectGonePage(`/preferences?token=${legacy}`, 'This link no longer works');
    });
  });
});
