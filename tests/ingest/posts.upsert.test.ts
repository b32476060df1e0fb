import { randomBytes } from 'node:crypto';
import { DIALECTS } from '../helpers/databases';
import { buildPost, countPostsWhere, countRows, outboxEventsOf, useIngest } from './support';

const externalId = () => `wp-${randomBytes(5).toString('hex')}`;

describe.each(DIALECTS)('idempotent upsert by (source, external_id) on %s', (dialect) => {
  const ctx = useIngest(dialect);

  const send = (body: Record<string, unknown>) => {
    const { ingest, auth } = ctx();
    return ingest.request.post('/v1/posts').set('Authorization', auth).send(body);
  };

  test('when the same body is posted twice, then responds 201 then 200 with the same post and writes one event', async () => {
    const body = buildPost({ external_id: externalId() });

    const first = await send(body);
    const before = await countRows(ctx());
    const second = await send(body);

    expect([first.status, second.status]).toEqual([201, 200]);
    expect(first.headers.location).toBe(`/v1/posts/${first.body.id}`);
    expect(second.headers.location).toBeUndefined();
    expect(second.body).toEqual(first.body);
    expect(await countRows(ctx())).toEqual(before);
    expect(await outboxEventsOf(ctx(), first.body.id)).toHaveLength(1);
  });

  test('when a changed body is posted with the same external_id, then responds 200 with the update and writes a post.updated event', async () => {
    const { ingest, auth } = ctx();
    const body = buildPost({ external_id: externalId(), tags: ['one'] });
    const first = await send(body);

    const second = await send({ ...body, title: 'Revised title', html: '<p>Revised body</p>', tags: ['two'] });

    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(
      expect.objectContaining({
        id: first.body.id,
        title: 'Revised title',
        html: '<p>Revised body</p>',
        tags: ['two'],
      }),
    );
    // The slug and publication time stay, so links to the post keep working.
    expect(second.body.slug).toBe(first.body.slug);
    expect(second.body.published_at).toBe(first.body.published_at);
    const read = await ingest.request.get(`/v1/posts/${first.body.id}`).set('Authorization', auth);
    expect(read.body.title).toBe('Revised title');
    expect((await outboxEventsOf(ctx(), first.body.id)).map((event) => event.type)).toEqual([
      'post.published',
      'post.updated',
    ]);
  });

  test('when a re-sent post omits published_at, then it keeps its original publication time', async () => {
    const body = buildPost({ external_id: externalId(), published_at: '2024-11-05T08:30:00+09:00' });
    const first = await send(body);
    const { published_at: _dropped, ...withoutTime } = body;

    const second = await send(withoutTime);

    expect(second.status).toBe(200);
    expect(second.body.published_at).toBe('2024-11-05T08:30:00+09:00');
    expect(second.body.id).toBe(first.body.id);
  });

  test('when another source sends the same external_id, then a separate post is created', async () => {
    const id = externalId();

    const fromApi = await send(buildPost({ external_id: id }));
    const fromPartner = await send(buildPost({ external_id: id, source: 'partner-blog' }));

    expect([fromApi.status, fromPartner.status]).toEqual([201, 201]);
    expect(fromPartner.body.id).not.toBe(fromApi.body.id);
    expect([fromApi.body.source, fromPartner.body.source]).toEqual(['api', 'partner-blog']);
    expect(await countPostsWhere(ctx(), 'external_id', id)).toBe(2);
  });

  test('when the default source is named explicitly, then it is the same post as without it', async () => {
    const body = buildPost({ external_id: externalId() });

    const first = await send(body);
    const second = await send({ ...body, source: 'api' });

    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
  });

  test('when posts have no external_id, then the same body twice makes two posts', async () => {
    const body = buildPost();

    const first = await send(body);
    const second = await send(body);

    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.slug).toBe(`${first.body.slug}-2`);
  });

  test('when 5 posts with the same external_id arrive at once, then exactly one post exists and one event is written', async () => {
    const id = externalId();
    const body = buildPost({ external_id: id });

    const responses = await Promise.all(Array.from({ length: 5 }, () => send(body)));

    expect(responses.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(responses.map((res) => res.body.id)).size).toBe(1);
    expect(await countPostsWhere(ctx(), 'external_id', id)).toBe(1);
    expect(await outboxEventsOf(ctx(), responses[0]!.body.id)).toHaveLength(1);
  });
});
