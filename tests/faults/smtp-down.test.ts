import { waitFor } from '../helpers/wait';
import { Deployment, expectOutcome, sleep } from './deployment';

/**
 * The SMTP server goes away for 20 s in the middle of a 300-subscriber digest run (the sink is
 * stopped and started again on the same port). Failed digests are retried (30 s backoff); every
 * subscriber gets one digest, a resend only with the same Message-ID.
 */
const SUBSCRIBERS = 300;

describe('fault: SMTP down for 20 s', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await Deployment.start('smtp_down_20s', { smtpDelayMs: 100 });
  });
  afterAll(async () => {
    await deployment?.close();
  });

  test('when the SMTP server is down mid-run and comes back, then every digest is sent once', async () => {
    const recipients = await deployment.dueDigests(SUBSCRIBERS);
    await waitFor(() => deployment.smtp.received.length >= 50, 60_000, `no digests\n${deployment.logs()}`);
    await deployment.smtp.close();
    const atStop = deployment.smtp.received.length;
    await sleep(20_000);
    expect(deployment.smtp.received.length).toBe(atStop);
    await deployment.startSmtp();

    await deployment.digestsSent(SUBSCRIBERS, 150_000);
    await deployment.eventsHandled(30_000);

    const counts = await deployment.report();
    // A mail whose 250 was lost with the connection may be sent again: at most the in-flight ones.
    await expectOutcome(deployment, counts, { recipients, duplicates: 20 });
  });
});
