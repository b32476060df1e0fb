import { suppressAddress } from '@careerfeed/digests';
import { DIALECTS } from '../helpers/databases';
import { type SubscriptionsHarness, randomEmail, randomIp, startSubscriptionsHarness } from '../subscriptions/support';

describe.each(DIALECTS)('subscribing with a suppressed address (%s)', (dialect) => {
  let h: SubscriptionsHarness;

  beforeAll(async () => {
    h = await startSubscriptionsHarness(dialect);
  });
  afterAll(() => h.close());

  test('when the address is suppressed, then the answer is the usual 202, and nothing is stored or queued', async () => {
    const suppressed = randomEmail();
    await suppressAddress({ db: h.database.db }, { email: suppressed.toUpperCase(), reason: 'complaint' });
    const other = randomEmail();

    for (const email of [suppressed, other]) {
      const response = await h.feed.request
        .post('/subscribe')
        .set('X-Forwarded-For', randomIp())
        .set('Accept', 'application/json')
        .send({ email });
      expect(response.status).toBe(202);
    }

    expect(await h.subscriber(suppressed)).toBeUndefined();
    expect((await h.subscriber(other))?.status).toBe('pending');
    const queued = await h.queuedJobs();
    expect(queued).toHaveLength(1);
    expect(queued[0]!.data.subscriberId).toBe((await h.subscriber(other))!.id);
  });
});
