import { randomBytes } from 'node:crypto';
import { DIALECTS } from '../helpers/databases';
import { PUBLIC_BASE_URL, buildPost, countRows, errorPaths, expectProblem, uniqueSlug, useIngest } from './support';

/** A word no other test's title contains, so generated slugs never meet another test's. */
const word = () => `w${randomBytes(3).toString('hex')}`;

describe.each(DIALECTS)('post slugs on %s', (dialect) => {
  const ctx = useIngest(dialect);

  async function createWithTitle(title: string) {
    const { ingest, auth } = ctx();
    return ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost({ title }));
  }

  test('when a post has a plain title, then its slug is the lowercased, dashed title', async () => {
    const w = word();

    const res = await createWithTitle(`How to Ace  the ${w} Interview!`);

    expect(res.status).toBe(201);
    expect(res.body.slug).toBe(`how-to-ace-the-${w}-interview`);
  });

  test('when a title has Latin accents, then the slug folds them to ASCII ("Crème brûlée" → "creme-brulee")', async () => {
    const w = word();

    const res = await createWithTitle(`Crème brûlée ${w}`);

    expect(res.status).toBe(201);
    expect(res.body.slug).toBe(`creme-brulee-${w}`);
  });

  test('when a title is Chinese, then the slug keeps its characters and the url percent-encodes them', async () => {
    const w = word();

    const res = await createWithTitle(`如何准备面试 ${w}`);

    expect(res.status).toBe(201);
    expect(res.body.slug).toBe(`如何准备面试-${w}`);
    expect(res.body.url).toBe(`${PUBLIC_BASE_URL}/posts/${encodeURIComponent(`如何准备面试-${w}`)}`);
  });

  test('when a title is only emoji, then the post still gets a usable fallback slug', async () => {
    const res = await createWithTitle('🎉🚀👩‍💻');

    expect(res.status).toBe(201);
    expect(res.body.slug).toMatch(/^post(-\d+)?$/);
    expect(res.body.title).toBe('🎉🚀👩‍💻');
  });

  test('when two emoji-only titles are posted, then their fallback slugs differ', async () => {
    const first = await createWithTitle('🔥');
    const second = await createWithTitle('🔥');

    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body.slug).not.toBe(second.body.slug);
  });

  test('when the same title is posted three times, then the slugs are base, base-2 and base-3', async () => {
    const title = `Resume checklist ${word()}`;

    const slugs: string[] = [];
    for (let i = 0; i < 3; i++) slugs.push((await createWithTitle(title)).body.slug);

    const base = slugs[0]!;
    expect(slugs).toEqual([base, `${base}-2`, `${base}-3`]);
  });

  test('when a title is so long that its slug is cut, then repeated posts of it still get distinct slugs of at most 80 characters', async () => {
    // Regression: the suffixed candidate of a cut base is not of the form `base-…`, so the third
    // post reused the second's slug and failed with a 500.
    const title = `${word()} ${'long title '.repeat(12)}`;

    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await createWithTitle(title));

    expect(responses.map((res) => res.status)).toEqual([201, 201, 201, 201]);
    const slugs = responses.map((res) => res.body.slug as string);
    expect(new Set(slugs).size).toBe(4);
    for (const slug of slugs) expect([...slug].length).toBeLessThanOrEqual(80);
    expect(slugs.slice(1).map((slug) => slug.slice(slug.lastIndexOf('-')))).toEqual(['-2', '-3', '-4']);
  });

  test('when 8 posts with the same title are created at once, then all succeed with distinct slugs', async () => {
    const { ingest, auth } = ctx();
    const title = `Career fair prep ${word()}`;

    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost({ title })),
      ),
    );

    expect(responses.map((res) => res.status)).toEqual(Array(8).fill(201));
    const slugs = responses.map((res) => res.body.slug as string).sort();
    const base = slugify(title);
    expect(slugs).toEqual([base, ...[2, 3, 4, 5, 6, 7, 8].map((n) => `${base}-${n}`)].sort());
  });

  test('when an explicit slug is free, then it is used as given', async () => {
    const { ingest, auth } = ctx();
    const slug = uniqueSlug('my-chosen-slug');

    const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost({ slug }));

    expect(res.status).toBe(201);
    expect(res.body.slug).toBe(slug);
  });

  test('when an explicit slug is taken, then responds 409 SLUG_TAKEN naming slug and stores nothing', async () => {
    const { ingest, auth } = ctx();
    const slug = uniqueSlug('taken');
    await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost({ slug })).expect(201);
    const before = await countRows(ctx());

    const res = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ slug, author: { slug: uniqueSlug('new-author'), name: 'New Author' } }));

    expect(errorPaths(expectProblem(res, 409, 'SLUG_TAKEN'))).toEqual(['slug']);
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when a post is patched to another post’s slug, then responds 409 SLUG_TAKEN and keeps its own slug', async () => {
    const { ingest, auth } = ctx();
    const taken = uniqueSlug('first');
    await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ slug: taken }))
      .expect(201);
    const second = (await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost()).expect(201))
      .body;

    const res = await ingest.request.patch(`/v1/posts/${second.id}`).set('Authorization', auth).send({ slug: taken });

    expectProblem(res, 409, 'SLUG_TAKEN');
    const read = await ingest.request.get(`/v1/posts/${second.id}`).set('Authorization', auth);
    expect(read.body.slug).toBe(second.slug);
  });

  test('when a post is patched to its own slug, then it succeeds', async () => {
    const { ingest, auth } = ctx();
    const post = (await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost()).expect(201)).body;

    const res = await ingest.request.patch(`/v1/posts/${post.id}`).set('Authorization', auth).send({ slug: post.slug });

    expect(res.status).toBe(200);
    expect(res.body.slug).toBe(post.slug);
  });

  test.each([['Has Capitals'], ['double--dash'], ['-leading'], ['spaces here'], ['']])(
    'when an explicit slug is malformed (%j), then responds 400 naming slug',
    async (slug) => {
      const { ingest, auth } = ctx();

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost({ slug }));

      expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual(['slug']);
    },
  );
});

/** The expected base slug of the ASCII titles used above. */
function slugify(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
