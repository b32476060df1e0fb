import { waitFor } from '../helpers/wait';
import { Deployment, expectOutcome } from './deployment';

/**
 * A worker SIGKILLed mid-digest (300 subscribers, each mail held 150 ms by the SMTP sink) and
 * another mid-webhook-fan-out; the supervisor starts them again. A killed worker's active jobs
 * come back when their lock expires; a mail or webhook in flight at the kill may be sent twice,
 * only with the same Message-ID / webhook-id.
 */
const SUBSCRIBERS = 300;
const POSTS = 40;

describe('fault: worker SIGKILLed mid-digest and mid-webhook-fan-out', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await Deployment.start('worker_sigkill', { smtpDelayMs: 150 });
  });
  afterAll(async () => {
    await deployment?.close();
  });

  test('when a worker is killed and restarted, then every digest and webhook arrives once (as one message)', async () => {
    const recipients = await deployment.dueDigests(SUBSCRIBERS);
    await waitFor(() => deployment.smtp.received.length >= 60, 60_000, `no digests\n${deployment.logs()}`);
    const killedMidDigest = await deployment.process('worker-1').signal('SIGKILL');
    expect(deployment.smtp.received.length).toBeLessThan(SUBSCRIBERS);
    await deployment.process('worker-1').running();

    const load = deployment.postLoad(POSTS, { concurrency: 4, pauseMs: 20 });
    await waitFor(() => deployment.receiver.received.length >= 10, 60_000, `no webhooks\n${deployment.logs()}`);
    const killedMidFanOut = await deployment.process('worker-2').signal('SIGKILL');
    await load;
    await deployment.process('worker-2').running();

    await deployment.eventsHandled(120_000);
    await deployment.webhooksDelivered(120_000);
    await deployment.digestsSent(SUBSCRIBERS, 120_000);

    const counts = await deployment.report();
    expect([killedMidDigest.signal, killedMidFanOut.signal]).toEqual(['SIGKILL', 'SIGKILL']);
    expect(counts.restarts['worker-1']).toBe(1);
    expect(counts.restarts['worker-2']).toBe(1);
    // In flight at a kill: the killed worker's digest (10) or webhook (20) concurrency.
    await expectOutcome(deployment, counts, { recipients, duplicates: 20 });
  });
});
