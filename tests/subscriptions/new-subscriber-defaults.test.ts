import { saveSite } from '@careerfeed/posts';
import { DIALECTS } from '../helpers/databases';
import { parsePage } from '../pages/page-inspection';
import { HTML, type SubscriptionsHarness, randomEmail, randomIp, startSubscriptionsHarness } from './support';

describe.each(DIALECTS)('the digest hour and weekday staff chose for new subscribers (%s)', (dialect) => {
  let h: SubscriptionsHarness;

  beforeAll(async () => {
    h = await startSubscriptionsHarness(dialect);
    await saveSite(
      h.database.db.kysely,
      { title: 'Career Center', defaultDigestHour: 17, defaultDigestWeekday: 5 },
      new Date().toISOString(),
    );
  });
  afterAll(async () => {
    await h.close();
  });

  test('when /subscribe is opened, then the form preselects that hour and weekday', async () => {
    const page = parsePage((await h.feed.request.get('/subscribe').set('Accept', HTML)).text);
    const selected = (name: string) => {
      const select = page.all('select').find((s) => s.attribs.name === name)!;
      return page.within(select, 'option').find((o) => 'selected' in o.attribs)?.attribs.value;
    };
    expect([selected('hour'), selected('weekday')]).toEqual(['17', '5']);
  });

  test('when someone subscribes without choosing, then they get that hour and weekday; a choice still wins', async () => {
    const quiet = randomEmail();
    const chooser = randomEmail();
    for (const body of [{ email: quiet }, { email: chooser, hour: 7, weekday: 2 }]) {
      const response = await h.feed.request
        .post('/subscribe')
        .set('X-Forwarded-For', randomIp())
        .set('Accept', 'application/json')
        .send(body);
      expect(response.status).toBe(202);
    }
    expect(await h.subscriber(quiet)).toMatchObject({ delivery_hour: 17, delivery_weekday: 5 });
    expect(await h.subscriber(chooser)).toMatchObject({ delivery_hour: 7, delivery_weekday: 2 });
  });
});
