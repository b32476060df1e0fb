import { Deployment, expectOutcome, sleep } from './deployment';

/**
 * SIGTERM of each service in turn while posts arrive and a digest run is sending: each drains and
 * exits 0, the supervisor starts it again, and nothing is lost or sent twice.
 */
const POSTS = 80;
const SUBSCRIBERS = 200;

describe('fault: SIGTERM of each service under load', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await Deployment.start('sigterm_each_service', { smtpDelayMs: 100 });
  });
  afterAll(async () => {
    await deployment?.close();
  });

  test('when every process is terminated in turn under load, then each drains and nothing is lost', async () => {
    const recipients = await deployment.dueDigests(SUBSCRIBERS);
    const load = deployment.postLoad(POSTS, { concurrency: 4, pauseMs: 100 });
    const exits: Record<string, number | null> = {};
    for (const p of deployment.processes) {
      // Spread over the load: one process a second.
      await sleep(1_000);
      exits[p.name] = (await p.signal('SIGTERM')).code;
      await p.running();
    }
    await load;

    await deployment.eventsHandled(120_000);
    await deployment.webhooksDelivered(120_000);
    await deployment.digestsSent(SUBSCRIBERS, 120_000);

    const counts = await deployment.report();
    // Drained: a clean exit, and no mail or webhook sent twice.
    expect(Object.values(exits)).toEqual(deployment.processes.map(() => 0));
    await expectOutcome(deployment, counts, { recipients, duplicates: 0 });
  });
});
