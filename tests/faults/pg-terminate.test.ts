import { waitFor } from '../helpers/wait';
import { Deployment, expectOutcome, sleep } from './deployment';

/**
 * pg_terminate_backend of every connection of the database (a failover, an operator's kill) while
 * posts arrive through both ingests, and again during a 3,000-subscriber digest run. Requests in
 * flight may be answered 503 with Retry-After (the client retries as a real one does), never 500;
 * nothing is lost, a mail or webhook is resent only as the same message, and no process crashes.

 */
const POSTS = 80;
const SUBSCRIBERS = 3_000;
const TERMINATIONS = 3;

describe('fault: pg_terminate_backend of every database connection', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await Deployment.start('pg_terminate_backend');
  });
  afterAll(async () => {
    await deployment?.close();
  });

  test('while posts arrive and during a digest run, then nothing is lost and nothing crashes', async () => {
    const load = deployment.postLoad(POSTS, { concurrency: 4, pauseMs: 100 });
    let terminated = 0;
    for (let i = 0; i < TERMINATIONS; i += 1) {
      await waitFor(() => deployment.postsSent.size >= ((i + 1) * POSTS) / (TERMINATIONS + 1), 60_000, 'posts stalled');
      terminated += await deployment.terminateDatabaseConnections();
    }
    await load;

    const recipients = await deployment.dueDigests(SUBSCRIBERS);
    for (let i = 0; i < TERMINATIONS; i += 1) {
      await waitFor(
        () => deployment.smtp.received.length >= ((i + 1) * SUBSCRIBERS) / (TERMINATIONS + 1),
        120_000,
        `digests stalled\n${deployment.logs()}`,
      );
      terminated += await deployment.terminateDatabaseConnections();
      await sleep(200);
    }
    expect(terminated).toBeGreaterThan(0);

    await deployment.eventsHandled(120_000);
    await deployment.webhooksDelivered(120_000);
    await deployment.digestsSent(SUBSCRIBERS, 180_000);

    const counts = await deployment.report();
    // In flight per termination: each worker's digest (10) or webhook (20) concurrency.
    await expectOutcome(deployment, counts, { recipients, duplicates: TERMINATIONS * 2 * 20 });
  });
});
