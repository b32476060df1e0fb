import { randomBytes } from 'node:crypto';
import { DIALECTS } from '../helpers/databases';
import { buildPost, countRows, outboxEventsOf, uniqueSlug, useIngest } from './support';

const externalId = () => `batch-${randomBytes(5).toString('hex')}`;

describe.each(DIALECTS)('POST /v1/posts:batch on %s', (dialect) => {
  const ctx = useIngest(dialect);

  const sendBatch = (body: unknown) => {
    const { ingest, auth } = ctx();
    return ingest.request
      .post('/v1/posts:batch')
      .set('Authorization', auth)
      .send(body as object);
  };

  test('when every item is valid, then answers 207 with one 201 per post, in order, each stored with its event', async () => {
    const items = [0, 1, 2].map((i) => buildPost({ title: `Batch post ${i}`, external_id: externalId() }));

    const response = await sendBatch({ posts: items });

    expect(response.status).toBe(207);
    expect(response.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201]);
    expect(response.body.results.map((r: { post: { title: string } }) => r.post.title)).toEqual([
      'Batch post 0',
      'Batch post 1',
      'Batch post 2',
    ]);
    for (const result of response.body.results) {
      const read = await ctx().ingest.request.get(`/v1/posts/${result.post.id}`).set('Authorization', ctx().auth);
      expect(read.status).toBe(200);
      expect((await outboxEventsOf(ctx(), result.post.id)).map((e) => e.type)).toEqual(['post.published']);
    }
  });

  test('when the same batch is sent twice, then the second answers 200 per item and stores nothing new', async () => {
    const items = [0, 1].map((i) => buildPost({ title: `Resent ${i}`, external_id: externalId() }));
    const first = await sendBatch({ posts: items });
    const before = await countRows(ctx());

    const second = await sendBatch({ posts: items });

    expect(second.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200]);
    expect(second.body.results.map((r: { post: { id: string } }) => r.post.id)).toEqual(
      first.body.results.map((r: { post: { id: string } }) => r.post.id),
    );
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when one item is invalid and one names an unknown author, then those slots hold their problems and the others are stored', async () => {
    const good = buildPost({ title: 'Kept before', external_id: externalId() });
    const invalid = { ...buildPost(), title: '' };
    const unknownAuthor = buildPost({ author: uniqueSlug('nobody'), external_id: externalId() });
    const alsoGood = buildPost({ title: 'Kept after', external_id: externalId() });
    const before = await countRows(ctx());

    const response = await sendBatch({ posts: [good, invalid, unknownAuthor, alsoGood] });

    expect(response.status).toBe(207);
    const [a, b, c, d] = response.body.results;
    expect([a.status, b.status, c.status, d.status]).toEqual([201, 400, 422, 201]);
    expect(b.problem).toEqual(expect.objectContaining({ status: 400, code: 'VALIDATION_FAILED' }));
    expect(b.problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'title' })]));
    expect(c.problem).toEqual(expect.objectContaining({ status: 422, code: 'UNKNOWN_AUTHOR' }));
    expect(b.post).toBeUndefined();
    const after = await countRows(ctx());
    expect(after.posts - before.posts).toBe(2);
    expect(after.outbox_events - before.outbox_events).toBe(2);
  });

  test('when an item fails after writing its author, then that author is rolled back with it', async () => {
    const holder = await sendBatch({ posts: [buildPost({ slug: `taken-${randomBytes(3).toString('hex')}` })] });
    const takenSlug = holder.body.results[0].post.slug;
    const newAuthor = uniqueSlug('fresh');
    const before = await countRows(ctx());

    const response = await sendBatch({
      posts: [buildPost({ slug: takenSlug, author: { slug: newAuthor, name: 'Fresh Author' } })],
    });

    expect(response.body.results[0]).toEqual(
      expect.objectContaining({ status: 409, problem: expect.objectContaining({ code: 'SLUG_TAKEN' }) }),
    );
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when two items share an external_id, then the first is stored and the later one gets 422', async () => {
    const id = externalId();
    const response = await sendBatch({
      posts: [
        buildPost({ title: 'First wins', external_id: id }),
        buildPost({ title: 'Second refused', external_id: id }),
      ],
    });

    expect(response.body.results.map((r: { status: number }) => r.status)).toEqual([201, 422]);
    expect(response.body.results[1].problem.code).toBe('DUPLICATE_IN_BATCH');
    const read = await ctx()
      .ingest.request.get(`/v1/posts/${response.body.results[0].post.id}`)
      .set('Authorization', ctx().auth);
    expect(read.body.title).toBe('First wins');
  });

  test('when the batch holds more than 500 posts, then answers 413 and stores nothing', async () => {
    const before = await countRows(ctx());
    const response = await sendBatch({ posts: Array.from({ length: 501 }, () => buildPost()) });

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when the body is over 5 MB, then answers 413 from the head and stores nothing', async () => {
    const before = await countRows(ctx());
    const big = 'x'.repeat(5 * 1024 * 1024 + 1);
    const response = await sendBatch({ posts: [buildPost({ html: `<p>${big}</p>` })] });

    expect(response.status).toBe(413);
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when the batch is 2 MB in all (over the single-post limit of 1 MB), then the batch accepts it', async () => {
    const html = `<p>${'word '.repeat(40_000)}</p>`;
    const items = Array.from({ length: 10 }, () => buildPost({ html, external_id: externalId() }));
    expect(Buffer.byteLength(JSON.stringify({ posts: items }))).toBeGreaterThan(2 * 1024 * 1024 - 100_000);

    const response = await sendBatch({ posts: items });

    expect(response.status).toBe(207);
    expect(response.body.results.map((r: { status: number }) => r.status)).toEqual(Array(10).fill(201));
  });

  test.each([
    ['an array', []],
    ['no posts field', { items: [] }],
    ['an empty batch', { posts: [] }],
    ['an extra field', { posts: [buildPost()], dry_run: true }],
  ])('when the body is %s, then answers 400 and stores nothing', async (_label, body) => {
    const before = await countRows(ctx());
    const response = await sendBatch(body);

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when the key is missing, then answers 401 before reading the batch', async () => {
    const response = await ctx()
      .ingest.request.post('/v1/posts:batch')
      .send({ posts: [buildPost()] });
    expect(response.status).toBe(401);
  });
});
