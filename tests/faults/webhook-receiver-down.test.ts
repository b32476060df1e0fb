import { waitFor } from '../helpers/wait';
import { Deployment, expectOutcome, sleep } from './deployment';

/**
 * The webhook receiver stops listening (connections refused) while posts are announced, and comes
 * back 3 s later: within the first retry (5 s, the Standard Webhooks schedule; the next is 5
 * minutes). Every post's webhook arrives, every attempt is logged.
 */
const POSTS = 30;

describe('fault: webhook receiver down, then back', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await Deployment.start('webhook_receiver_down');
  });
  afterAll(async () => {
    await deployment?.close();
  });

  test('when the receiver is down while posts are announced, then every webhook arrives after it is back', async () => {
    await deployment.receiver.down();
    await deployment.postLoad(POSTS, { concurrency: 4, pauseMs: 20 });
    await waitFor(
      async () => {
        const { total, handled } = await deployment.outbox();
        return total === POSTS && handled === total;
      },
      60_000,
      `events not handled\n${deployment.logs()}`,
    );
    await sleep(1_000);
    await deployment.receiver.up();
    await deployment.webhooksDelivered(60_000);

    const counts = await deployment.report();
    // The failed first attempts were logged too (no response: refused).
    expect(counts.attempts_logged).toBeGreaterThan(counts.webhooks);
    await expectOutcome(deployment, counts);
  });
});
