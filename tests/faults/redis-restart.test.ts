import { waitFor } from '../helpers/wait';
import { Deployment, type Supervised, expectOutcome } from './deployment';

/**
 * Redis restarted (SIGKILL, then started again on the same port) while posts arrive and again
 * while idle: empty (no persistence) and from its append-only file. The workers put the job
 * schedulers back (on reconnect, and at the latest on their 30 s check: there is no environment
 * variable to shorten it, so one tick is the bound), and every event is handled — an event whose
 * job vanished with an empty Redis is dispatched again by the outbox relay, after
 * OUTBOX_REDISPATCH_AFTER_SECONDS (set to 10 s here; 5 minutes by default).
 */
const POSTS = 60;
const SCHEDULER_TICK_MS = 30_000;
const REDISPATCH_MS = 10_000;

const modes: [string, boolean][] = [
  ['from AOF', true],
  ['empty', false],
];

describe.each(modes)('fault: Redis restarted %s', (mode, appendOnly) => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await Deployment.start(`redis_restart_${appendOnly ? 'aof' : 'empty'}`, {
      redisAppendOnly: appendOnly,
      env: { OUTBOX_REDISPATCH_AFTER_SECONDS: String(REDISPATCH_MS / 1000) },
    });
  });
  afterAll(async () => {
    await deployment?.close();
  });

  async function restartRedis(): Promise<number> {
    await deployment.redis.stop('SIGKILL');
    await deployment.redis.restart();
    return Date.now();
  }

  /** How long until every worker's /readyz is 200 again (schedulers back, no recent Redis errors). */
  async function workersReadyAfter(since: number): Promise<number> {
    const ready = async (worker: Supervised) => (await deployment.readyz(worker)).status === 200;
    await waitFor(
      async () => (await Promise.all(deployment.workers.map(ready))).every(Boolean),
      SCHEDULER_TICK_MS + 30_000,
      `workers not ready again: ${JSON.stringify(await Promise.all(deployment.workers.map((w) => deployment.readyz(w))))}`,
    );
    return Date.now() - since;
  }

  test(
    `when Redis restarts ${mode} during ingest and while idle, then schedulers come back and every event is handled`,
    async () => {
      const load = deployment.postLoad(POSTS, { concurrency: 2, pauseMs: 100 });
      await waitFor(() => deployment.postsSent.size >= POSTS / 3, 60_000, 'posts stalled');
      const duringIngest = await workersReadyAfter(await restartRedis());
      await load;
      await deployment.eventsHandled(REDISPATCH_MS + 60_000);
      await deployment.webhooksDelivered(60_000);

      const whileIdle = await workersReadyAfter(await restartRedis());
      // Announced after the idle restart: the queues work again.
      await deployment.postLoad(10, { concurrency: 2 });
      await deployment.eventsHandled(REDISPATCH_MS + 60_000);
      await deployment.webhooksDelivered(60_000);

      const counts = await deployment.report();
      process.stdout.write(`${JSON.stringify({ fault: counts.fault, ready_again_ms: { duringIngest, whileIdle } })}\n`);
      // Within one scheduler tick (the reconnect hook usually makes it at once), plus /readyz's
      // window of recent Redis errors.
      expect(duringIngest).toBeLessThanOrEqual(SCHEDULER_TICK_MS + 15_000);
      expect(whileIdle).toBeLessThanOrEqual(SCHEDULER_TICK_MS + 15_000);
      // A webhook job re-added after its first attempt was already sent may be sent again (same id).
      await expectOutcome(deployment, counts, { duplicates: 40 });
    },
    2 * REDISPATCH_MS + 180_000,
  );
});
