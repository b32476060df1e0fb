import { createSmtpMailer, rateLimitedMailer } from '@careerfeed/digests';
import { createRedisConnection } from '@careerfeed/jobs';
import { testRedisErrors } from '../helpers/redis-errors';
import { type SmtpSink, startSmtpSink, uniquePrefix } from './support';

/** MAIL_RATE_PER_SECOND for digests: counted per mail in Redis, shared by every worker. */
describe('rateLimitedMailer', () => {
  let sink: SmtpSink;
  const connection = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
    connection.disconnect();
  });

  const message = (i: number) => ({
    from: 'careers@example.edu',
    to: `student${i}@example.edu`,
    subject: `mail ${i}`,
    html: '<p>hi</p>',
    text: 'hi',
    messageId: `<rate.${i}.${uniquePrefix()}@example.edu>`,
    date: new Date(),
  });

  test('when two workers each send 4 mails under a shared limit of 3 a second, then the 8 mails take three seconds of the clock', async () => {
    const key = `${uniquePrefix()}:digests:mail-rate`;
    const workers = [0, 1].map(() => {
      const smtp = createSmtpMailer(sink.url, { maxConnections: 2 });
      return { smtp, mailer: rateLimitedMailer(smtp, { connection, key, perSecond: 3 }) };
    });
    const sentAt: number[] = [];
    const started = Date.now();
    await Promise.all(
      workers.flatMap(({ mailer }, w) =>
        [0, 1, 2, 3].map(async (i) => {
          await mailer.send(message(w * 10 + i));
          sentAt.push(Date.now());
        }),
      ),
    );
    for (const { smtp } of workers) await smtp.close();
    // Three a second means three distinct seconds for eight mails: the last starts at least one
    // whole second after the first second began. Each worker alone (four at three a second) could
    // finish within a tenth of a second.
    expect(sentAt).toHaveLength(8);
    expect(Math.max(...sentAt) - started).toBeGreaterThan(1000);
  });

  test('when the limit is 0, then the mailer is used as it is', () => {
    const smtp = createSmtpMailer(sink.url, { maxConnections: 1 });
    expect(rateLimitedMailer(smtp, { connection, key: 'unused', perSecond: 0 })).toBe(smtp);
    void smtp.close();
  });
});
