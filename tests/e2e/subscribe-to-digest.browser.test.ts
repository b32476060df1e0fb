import { FeedCache } from '@careerfeed/feeds';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ParsedMail, simpleParser } from 'mailparser';
import { pino } from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import {
  type ConfirmationMailQueue,
  createConfirmationMailQueue,
  createRedisConnection,
  openDigestsQueue,
} from '@careerfeed/jobs';
import { createFeedApp } from '@careerfeed/feed';
import { type SmtpSink, startSmtpSink } from '../digests/support';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { ROOT, baseEnv, exited, runCli } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';

const MAIL_FROM = 'Career Center <no-reply@careers.test.example>';
const MAIL_DOMAIN = 'careers.test.example';
const TIME_ZONE = 'Asia/Kolkata';
/** Gitignored (see .gitignore); the screenshots of the digest land here. */
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/**
 * The whole journey with real parts: the feed app on a real port, the worker as the child process
 * users run (`services/worker/dist/main.js`) sending through nodemailer to a real SMTP server in
 * this test, the CLI as a child for `digest run`, and Chromium for everything a student does.
 * Nothing is built from the queue or the database on the student's behalf: every link they follow
 * comes out of a mail the SMTP server received. One dialect (SQLite, shared by three processes in
 * WAL mode); the digest suites cover PostgreSQL.
 */
describe('from the subscribe form to a digest and one-click unsubscribe (worker process, real SMTP, chromium)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let redis: Redis;
  let mailsQueue: ConfirmationMailQueue;
  let digests: Queue;
  let server: http.Server;
  let origin: string;
  let sink: SmtpSink;
  let worker: ChildProcess | undefined;
  let workerOutput = '';
  let dataDir: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    REDIS_PREFIX: ingest.redisPrefix,
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL: origin,
    MAIL_FROM,
  });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-e2e-'));
    database = await createTestDatabase('sqlite');
    // The ingest app and its outbox relay, under the Redis prefix the whole deployment shares.
    ingest = createIngestHarness(database.db);
    // Earlier posts: they make the topics of the form, and candidates for "related posts".
    for (const post of [
      {
        title: 'How to find internships that fit your degree',
        html: '<p>Internship applications: write a cover letter for each internship program and apply early for summer internships.</p>',
        tags: ['internships'],
        category: 'internships',
      },
      {
        title: 'Answering behavioural interview questions',
        html: '<p>Mock interviews help you answer behavioural questions calmly.</p>',
        tags: ['interviews'],
        category: 'interviews',
      },
    ]) {
      const created = await ingest.request
        .post('/v1/posts')
        .set('Authorization', await ingest.bearer())
        .send(buildPost(post));
      expect(created.status).toBe(201);
    }
    await ingest.relay.drain();

    sink = await startSmtpSink();

    // The feed service, listening first so its public base URL is the address everyone really uses.
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    mailsQueue = createConfirmationMailQueue(redis, ingest.redisPrefix);
    digests = openDigestsQueue(redis, ingest.redisPrefix);
    server = http.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on(
      'request',
      createFeedApp({
        db: database.db,
        redis,
        redisPrefix: ingest.redisPrefix,
        subscriptionMails: mailsQueue,
        logger: pino({ level: 'silent' }),
        cache: new FeedCache(60_000),
        publicBaseUrl: origin,
      }),
    );

    // The worker, as users run it.
    const workerPort = await freePort();
    worker = spawn(process.execPath, [path.join(ROOT, 'services', 'worker', 'dist', 'main.js')], {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        ...env(),
        SMTP_URL: sink.url,
        WORKER_PORT: String(workerPort),
        MAIL_RATE_PER_SECOND: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    await waitFor(
      async () => {
        if (worker!.exitCode !== null) throw new Error(`the worker exited (${worker!.exitCode}):\n${workerOutput}`);
        return fetch(`http://127.0.0.1:${workerPort}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      20_000,
      'the worker did not become healthy',
    );

    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const stopped = exited(worker);
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker?.kill('SIGKILL'), 10_000);
      await stopped;
      clearTimeout(timer);
    }
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await digests?.obliterate({ force: true }).catch(() => undefined);
    await digests?.close();
    await mailsQueue?.close();
    redis?.disconnect();
    await ingest?.close();
    await sink?.close();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // ---- helpers ---------------------------------------------------------------------------------

  const subscriber = (email: string) =>
    database.db.kysely.selectFrom('subscribers').selectAll().where('email_key', '=', email).executeTakeFirstOrThrow();

  const deliveriesOf = (subscriberId: string) =>
    database.db.kysely.selectFrom('digest_deliveries').selectAll().where('subscriber_id', '=', subscriberId).execute();

  /** Raw messages the SMTP server accepted for this recipient, in arrival order. */
  const rawMailsTo = (email: string) => sink.received.filter((m) => m.to.includes(email));

  /** Waits for the n-th (1-based) mail to this recipient at the SMTP server and parses it. */
  async function nthMailTo(email: string, n: number): Promise<ParsedMail> {
    await waitFor(() => rawMailsTo(email).length >= n, 20_000, `mail #${n} to ${email} never arrived\n${workerOutput}`);
    return simpleParser(rawMailsTo(email)[n - 1]!.raw);
  }

  /** A header exactly as sent (unfolded), from the raw message rather than mailparser's interpretation. */
  function rawHeader(mail: ParsedMail, name: string): string | undefined {
    const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
    return line?.replace(/\r?\n[ \t]+/g, ' ').replace(/^[^:]+:\s*/, '');
  }

  function expectEnvelope(mail: ParsedMail, to: string, notBefore: number) {
    expect(mail.from?.value).toEqual([{ name: 'Career Center', address: `no-reply@${MAIL_DOMAIN}` }]);
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a!.value.map((v) => v.address))).toEqual([to]);
    // Date has whole seconds; the mail was made after `notBefore` and before we read it.
    expect(mail.date!.getTime()).toBeGreaterThanOrEqual(Math.floor(notBefore / 1000) * 1000);
    expect(mail.date!.getTime()).toBeLessThanOrEqual(Date.now());
  }

  /** Every URL of the text part (URLs stand on lines of their own there). */
  const textUrls = (mail: ParsedMail): string[] => [...(mail.text ?? '').matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);

  /**
   * A mail's HTML part shown in a fresh blank page, as a mail client would show it (not in a page
   * of the feed: that document's CSP would block the mail's inline styles).
   */
  async function openMail(html: string, width = 375): Promise<Page> {
    const page = await newPage(width);
    await page.setContent(html);
    return page;
  }

  /** Every link of the HTML part, as a browser parses it. */
  async function htmlLinks(html: string): Promise<{ href: string; label: string }[]> {
    const page = await openMail(html);
    const links = await page.$$eval('a[href]', (as) =>
      as.map((a) => ({ href: a.getAttribute('href') ?? '', label: (a.textContent ?? '').trim() })),
    );
    await page.close();
    return links;
  }

  async function newPage(width: number): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width, height: 800 },
      deviceScaleFactor: 2,
      timezoneId: TIME_ZONE,
    });
    contexts.push(context);
    return context.newPage();
  }

  /** Subscribes on /subscribe as a student would and returns when the page says to check the inbox. */
  async function subscribeInBrowser(page: Page, email: string, topics: string[]): Promise<void> {
    await page.goto(`${origin}/subscribe`);
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(await page.locator('select[name=timezone]').inputValue());
    await page.fill('input[name=email]', email);
    await page.check('input[name=frequency][value=daily]');
    for (const topic of topics) await page.check(`input[name=topics][value="${topic}"]`);
    await Promise.all([page.waitForURL(`${origin}/subscribe`), page.click('button[type=submit]')]);
    expect(await page.locator('h1').textContent()).toBe('Check your inbox');
  }

  /** The confirmation mail's link, checked to be the same absolute URL in both parts. */
  async function confirmLinkOf(mail: ParsedMail): Promise<string> {
    const pattern = `${origin}/subscribe/confirm?token=`;
    const inText = textUrls(mail).filter((u) => u.startsWith(pattern));
    const inHtml = (await htmlLinks(mail.html as string)).map((l) => l.href).filter((u) => u.startsWith(pattern));
    expect(new Set(inText).size).toBe(1);
    expect(new Set(inHtml)).toEqual(new Set(inText));
    return inText[0]!;
  }

  async function publish(post: Record<string, unknown>): Promise<{ id: string; slug: string; title: string }> {
    // No published_at: published now, after the subscription, as a new post would be.
    const created = await ingest.request
      .post('/v1/posts')
      .set('Authorization', await ingest.bearer())
      .send({ ...buildPost(post), published_at: undefined });
    expect(created.status).toBe(201);
    return { id: created.body.id, slug: created.body.slug, title: created.body.title };
  }

  async function runDigests(): Promise<number> {
    const result = await runCli(['digest', 'run', '--frequency', 'all'], env());
    expect(result.code).toBe(0);
    const enqueued = /enqueued (\d+) digest\(s\)/.exec(result.stdout);
    expect(enqueued).not.toBeNull();
    return Number(enqueued![1]);
  }

  /** Nothing waiting or running on the digests queue (the repeatable tick is always delayed, so not counted). */
  const digestsSettled = () =>
    waitFor(
      async () => {
        const counts = await digests.getJobCounts('wait', 'active', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      },
      20_000,
      'the digests queue did not drain',
    );

  // ---- the journey -----------------------------------------------------------------------------

  test('when a student subscribes, confirms from the mail, changes topics and gets a digest, then one-click unsubscribe from the mail stops every later digest', async () => {
    const email = 'priya.sharma@uni.example.edu';
    const page = await newPage(375);
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(
      "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));",
    );

    // 1. Subscribe through the form: daily, one topic.
    const subscribedAt = Date.now();
    await subscribeInBrowser(page, email, ['topic:interviews']);
    const pending = await subscriber(email);
    expect(pending).toMatchObject({
      status: 'pending',
      frequency: 'daily',
      time_zone: expect.stringMatching(/^Asia\/(Kolkata|Calcutta)$/),
    });

    // 2. The confirmation mail, as the SMTP server received it from the worker.
    const confirmation = await nthMailTo(email, 1);
    expectEnvelope(confirmation, email, subscribedAt);
    expect(confirmation.messageId).toBe(`<confirm.${pending.id}.${pending.confirmation_nonce}@${MAIL_DOMAIN}>`);
    expect(confirmation.subject).toMatch(/^Confirm your subscription/);
    const confirmUrl = await confirmLinkOf(confirmation);

    // 3. Follow it in the browser.
    await page.goto(confirmUrl);
    expect(await page.locator('h1').textContent()).toBe('You are subscribed');
    expect(await subscriber(email)).toMatchObject({ status: 'active', confirmation_nonce: null });

    // 4. Preferences: the topic becomes internships instead of interviews, at 09:00.
    await Promise.all([
      page.waitForURL(/\/preferences\?token=/),
      page.click('text=Change frequency, topics or delivery time'),
    ]);
    await page.uncheck('input[name=topics][value="topic:interviews"]');
    await page.check('input[name=topics][value="topic:internships"]');
    await page.selectOption('select[name=hour]', '9');
    await Promise.all([page.waitForURL(`${origin}/preferences`), page.click('button:has-text("Save preferences")')]);
    expect(await page.locator('.notice').first().textContent()).toBe('Your preferences are saved.');
    const active = await subscriber(email);
    expect(active).toMatchObject({ status: 'active', frequency: 'daily', delivery_hour: 9, paused: 0 });
    expect(JSON.parse(active.topics)).toEqual(['topic:internships']);

    // 5. New posts: one in the chosen topic, one in the topic given up, one in neither. The events
    //    go through the outbox relay to the worker, which keeps related posts as in production.
    const wanted = await publish({
      title: 'Summer internship applications are open',
      html: '<p>Summer internship programs take applications now: tailor your cover letter to each internship.</p>',
      tags: ['internships'],
      category: 'internships',
    });
    const givenUp = await publish({
      title: 'Mock interviews with recruiters on Tuesday',
      html: '<p>Recruiters run mock interviews and give feedback on your answers.</p>',
      tags: ['interviews'],
      category: 'interviews',
    });
    const elsewhere = await publish({
      title: 'Alumni networking evening downtown',
      html: '<p>Meet alumni from local employers over coffee.</p>',
      tags: ['networking'],
      category: 'events',
    });
    await ingest.relay.drain();
    await waitFor(
      async () =>
        (
          await database.db.kysely
            .selectFrom('related_posts')
            .select('post_id')
            .where('post_id', '=', wanted.id)
            .execute()
        ).length > 0,
      20_000,
      `the worker never stored related posts for the new post\n${workerOutput}`,
    );

    // 6. Run the digest (the CLI, a child process); the worker sends it.
    const runAt = Date.now();
    expect(await runDigests()).toBe(1);
    const digest = await nthMailTo(email, 2);

    // Headers.
    expectEnvelope(digest, email, runAt);
    const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(runAt));
    expect(digest.messageId).toBe(`<digest.${active.id}.daily.${localDay}@${MAIL_DOMAIN}>`);
    expect(digest.subject).toContain(wanted.title);
    const listUnsubscribe = rawHeader(digest, 'List-Unsubscribe');
    expect(listUnsubscribe).toMatch(new RegExp(`^<${escapeRegExp(origin)}/unsubscribe\\?token=[^\\s<>]+>$`));
    const unsubscribeUrl = listUnsubscribe!.slice(1, -1);
    expect(rawHeader(digest, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    // Topic filtering: only the post of the chosen topic, in both parts.
    const wantedUrl = `${origin}/posts/${wanted.slug}`;
    for (const body of [digest.text!, digest.html as string]) {
      expect(body).toContain(wanted.title);
      expect(body).toContain(wantedUrl);
      expect(body).not.toContain(givenUp.title);
      expect(body).not.toContain(elsewhere.title);
      expect(body).not.toContain(`/posts/${givenUp.slug}`);
      expect(body).not.toContain(`/posts/${elsewhere.slug}`);
    }

    // Links: both parts carry the same absolute links, among them the footer's unsubscribe link
    // (the List-Unsubscribe URL), the preferences link and at least one related post; each answers
    // 200 over HTTP, and none of those GETs (a link scanner would do the same) unsubscribes anyone.
    const links = await htmlLinks(digest.html as string);
    const htmlUrls = new Set(links.map((l) => l.href));
    expect(htmlUrls).toEqual(new Set(textUrls(digest)));
    for (const url of htmlUrls) expect(url.startsWith(`${origin}/`)).toBe(true);
    expect(links.find((l) => l.label === 'Unsubscribe')?.href).toBe(unsubscribeUrl);
    const preferencesUrl = links.find((l) => l.label === 'Manage your preferences')?.href;
    expect(preferencesUrl).toMatch(new RegExp(`^${escapeRegExp(origin)}/preferences\\?token=`));
    expect(htmlUrls).toContain(wantedUrl);
    expect(digest.text).toContain('More like this:');
    const relatedUrls = [...htmlUrls].filter((u) => u.includes('/posts/') && u !== wantedUrl);
    expect(relatedUrls.length).toBeGreaterThan(0);
    for (const url of htmlUrls) {
      const response = await fetch(url, { headers: { Accept: 'text/html' } });
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
    }
    expect((await subscriber(email)).status).toBe('active');

    // 7. Screenshots of the digest as a phone and a desktop client would show it.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const width of [375, 800]) {
      const view = await openMail(digest.html as string, width);
      expect(await view.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      const file = path.join(ARTIFACTS, `digest-${width}.png`);
      await view.screenshot({ path: file, fullPage: true });
      expect(fs.statSync(file).size).toBeGreaterThan(0);
      console.log(`digest screenshot at ${width} px: ${file}`);
    }

    // 8. One click in the mail client: the RFC 8058 POST to the List-Unsubscribe URL, no cookies.
    const oneClick = await fetch(unsubscribeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(oneClick.status).toBe(200);
    const gone = await subscriber(email);
    expect(gone).toMatchObject({ status: 'unsubscribed', next_digest_at: null });
    expect(gone.unsubscribed_at).not.toBeNull();

    // 9. Another post of their topic and another run: nothing is enqueued for them (they are no
    //    longer an active subscriber), nothing recorded, nothing sent.
    await publish({
      title: 'Internship fair next month',
      html: '<p>Fifty internship hosts meet students.</p>',
      tags: ['internships'],
      category: 'internships',
    });
    await ingest.relay.drain();
    expect(await runDigests()).toBe(0);
    await digestsSettled();
    expect(rawMailsTo(email)).toHaveLength(2);
    expect((await deliveriesOf(gone.id)).map((d) => d.status)).toEqual(['sent']);

    expect(await page.evaluate('window.__violations')).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  test('when a second student unsubscribes with the link in the digest footer, then the unsubscribe page and its one button end the subscription', async () => {
    const email = 'arjun.mehta@uni.example.edu';
    const page = await newPage(375);

    // Subscribes to everything, confirms from the mail.
    await subscribeInBrowser(page, email, []);
    await page.goto(await confirmLinkOf(await nthMailTo(email, 1)));
    expect(await page.locator('h1').textContent()).toBe('You are subscribed');

    const post = await publish({
      title: 'Resume clinic on Friday',
      html: '<p>Bring a printed resume; advisers review it with you.</p>',
      tags: ['resumes'],
      category: 'workshops',
    });
    await ingest.relay.drain();
    expect(await runDigests()).toBeGreaterThanOrEqual(1);
    const digest = await nthMailTo(email, 2);
    expect(digest.subject).toContain(post.title);
    const unsubscribeUrl = rawHeader(digest, 'List-Unsubscribe')!.slice(1, -1);

    // The digest, opened in the browser; the footer's link leads to the page with one button.
    const mail = await openMail(digest.html as string);
    await Promise.all([mail.waitForURL(unsubscribeUrl), mail.click('a:has-text("Unsubscribe")')]);
    expect(await mail.locator('h1').textContent()).toBe('Unsubscribe');
    expect((await subscriber(email)).status).toBe('active');
    await Promise.all([mail.waitForURL(/\/unsubscribe\?token=/), mail.click('button:has-text("Unsubscribe")')]);
    expect(await mail.locator('h1').textContent()).toBe('You are unsubscribed');
    const gone = await subscriber(email);
    expect(gone).toMatchObject({ status: 'unsubscribed', next_digest_at: null });
    expect(gone.unsubscribed_at).not.toBeNull();
  }, 120_000);
});

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
