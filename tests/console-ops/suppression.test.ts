import { type PostsDeps } from '@careerfeed/posts';
import {
  type SubscriptionMailsDeps,
  isAddressSuppressed,
  listSuppressedAddresses,
  sendSubscriptionMail,
  suppressAddress,
  unsuppressAddress,
} from '@careerfeed/digests';
import { pino } from 'pino';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import { createSmtpMailer } from '@careerfeed/digests';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { type Engine, MAIL_FROM, startEngine } from '../digests/engine';
import {
  type SmtpSink,
  insertDueDailySubscriber,
  insertSubscriber,
  publishPost,
  startSmtpSink,
} from '../digests/support';

describe.each(DIALECTS)('the suppression list (%s)', (dialect) => {
  let database: TestDatabase;
  let sink: SmtpSink;
  let engine: Engine | undefined;
  const clock = new Date('2026-11-25T08:00:30Z');
  const now = () => clock;
  let posts: PostsDeps;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    posts = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await sink.close();
    await database.drop();
  });

  const dueDaily = (email: string) => insertDueDailySubscriber(database.db, { email });

  test('when an address is suppressed, then its digest is not sent over SMTP while another subscriber’s is', async () => {
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    await publishPost(posts, '2026-11-24T12:00:00Z', { title: 'Interview day' });
    const suppressedId = await dueDaily('Blocked@Example.edu');
    await dueDaily('kept@example.edu');
    // Added in another case than the subscriber typed: one address is one address.
    const { added } = await suppressAddress(
      { db: database.db, now },
      { email: 'blocked@example.EDU', reason: 'complaint' },
    );
    expect(added).toBe(true);

    expect(await engine.tick()).toEqual({ enqueued: 2 });
    engine.startWorker();
    await engine.idle();

    expect(sink.received.flatMap((m) => m.to)).toEqual(['kept@example.edu']);
    expect(engine.outcomes.sort()).toEqual(['sent', 'suppressed']);
    const delivery = await database.db.kysely
      .selectFrom('digest_deliveries')
      .selectAll()
      .where('subscriber_id', '=', suppressedId)
      .executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({ status: 'skipped', last_error: 'address suppressed' });
  });

  test('when an address is suppressed, then no confirmation mail goes to it, and after removal one does', async () => {
    const id = await insertSubscriber(database.db, {
      email: 'new@example.edu',
      status: 'pending',
      confirmation_nonce: 'nonce-1',
      confirmed_at: null,
    });
    const mailer = createSmtpMailer(sink.url, { maxConnections: 1 });
    const deps: SubscriptionMailsDeps = {
      db: database.db,
      mailer,
      mailFrom: MAIL_FROM,
      publicBaseUrl: PUBLIC_BASE_URL,
      tokenKey: await readSubscriptionTokenKey(database.db.kysely),
      now,
      logger: pino({ level: 'silent' }),
    };
    try {
      await suppressAddress({ db: database.db }, { email: 'new@example.edu', reason: '' });
      expect(await sendSubscriptionMail(deps, { kind: 'confirm', subscriberId: id, nonce: 'nonce-1' }, clock)).toBe(
        'moot',
      );
      expect(sink.received).toHaveLength(0);

      await unsuppressAddress(database.db, 'NEW@example.edu');
      expect(await sendSubscriptionMail(deps, { kind: 'confirm', subscriberId: id, nonce: 'nonce-1' }, clock)).toBe(
        'sent',
      );
      expect(sink.received.flatMap((m) => m.to)).toEqual(['new@example.edu']);
    } finally {
      await mailer.close();
    }
  });

  test('when the same address is added twice, then it is listed once with the first reason; bad input is a 400', async () => {
    await suppressAddress({ db: database.db }, { email: 'x@example.edu', reason: 'first' });
    const again = await suppressAddress({ db: database.db }, { email: 'X@example.edu', reason: 'second' });
    expect(again.added).toBe(false);
    expect((await listSuppressedAddresses(database.db)).map((r) => [r.email_key, r.reason])).toEqual([
      ['x@example.edu', 'first'],
    ]);
    expect(await isAddressSuppressed(database.db, ' x@EXAMPLE.edu')).toBe(true);
    await expect(suppressAddress({ db: database.db }, { email: 'not an address', reason: '' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(unsuppressAddress(database.db, 'nobody@example.edu')).rejects.toMatchObject({ status: 404 });
  });
});
