import { DIALECTS } from '../helpers/databases';
import { buildPost, countRows, errorPaths, expectProblem, uniqueSlug, useIngest } from './support';

describe.each(DIALECTS)('authors on %s', (dialect) => {
  const ctx = useIngest(dialect);

  const put = (slug: string, body: unknown) => {
    const { ingest, auth } = ctx();
    return ingest.request
      .put(`/v1/authors/${encodeURIComponent(slug)}`)
      .set('Authorization', auth)
      .send(body as object);
  };

  test('when a new author is put, then responds 201 with the author', async () => {
    const slug = uniqueSlug('maya');

    const res = await put(slug, {
      name: 'Maya Okafor',
      bio: 'Senior Career Advisor',
      links: { linkedin: 'https://linkedin.example/maya' },
    });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      slug,
      name: 'Maya Okafor',
      bio: 'Senior Career Advisor',
      links: { linkedin: 'https://linkedin.example/maya' },
    });
  });

  test('when an existing author is put again with changes, then responds 200 and the author is replaced', async () => {
    const { ingest, auth } = ctx();
    const slug = uniqueSlug('jon');
    await put(slug, { name: 'Jon Reyes', bio: 'Advisor', links: { mastodon: '@jon@example.social' } }).expect(201);

    const res = await put(slug, { name: 'Jonathan Reyes' });

    expect(res.status).toBe(200);
    // PUT semantics: omitted bio and links become empty.
    expect(res.body).toEqual({ slug, name: 'Jonathan Reyes', bio: '', links: {} });
    const read = await ingest.request.get(`/v1/authors/${slug}`).set('Authorization', auth);
    expect(read.body).toEqual(res.body);
  });

  test('when the same author is put twice unchanged, then responds 200 and no second author exists', async () => {
    const slug = uniqueSlug('same');
    await put(slug, { name: 'Same Person' }).expect(201);
    const before = await countRows(ctx());

    const res = await put(slug, { name: 'Same Person' });

    expect(res.status).toBe(200);
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when authors are listed, then every author comes, ordered by slug', async () => {
    const { ingest, auth } = ctx();
    const slugs = [uniqueSlug('zed'), uniqueSlug('amy'), uniqueSlug('kim')];
    for (const slug of slugs) await put(slug, { name: slug.toUpperCase() }).expect(201);

    const res = await ingest.request.get('/v1/authors').set('Authorization', auth);

    expect(res.status).toBe(200);
    const listed = (res.body.items as { slug: string; name: string }[]).map((author) => author.slug);
    expect(listed).toEqual(expect.arrayContaining(slugs));
    expect(listed).toEqual([...listed].sort());
    expect(res.body.items).toContainEqual({ slug: slugs[0], name: slugs[0]!.toUpperCase(), bio: '', links: {} });
  });

  test('when a post names an author inline, then the author is created and listed', async () => {
    const { ingest, auth } = ctx();
    const slug = uniqueSlug('inline');

    await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ author: { slug, name: 'Inline Author' } }))
      .expect(201);

    const res = await ingest.request.get(`/v1/authors/${slug}`).set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ slug, name: 'Inline Author', bio: '', links: {} });
  });

  test('when an unknown author is read, then responds 404', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request.get(`/v1/authors/${uniqueSlug('nobody')}`).set('Authorization', auth);

    expectProblem(res, 404, 'NOT_FOUND');
  });

  test.each<[string, string, unknown, string]>([
    ['the slug has capitals', 'Maya-Okafor', { name: 'Maya' }, 'slug'],
    ['the slug has spaces', 'maya okafor', { name: 'Maya' }, 'slug'],
    ['the name is missing', 'valid-slug', { bio: 'x' }, 'name'],
    ['the name is empty', 'valid-slug', { name: '' }, 'name'],
    ['the name is only control characters and spaces', 'valid-slug', { name: '\u0000 \u0007' }, 'name'],
    ['a field is unknown', 'valid-slug', { name: 'Maya', twitter: '@maya' }, 'twitter'],
    ['a link name is not a word', 'valid-slug', { name: 'Maya', links: { 'Not A Name': 'x' } }, 'links/Not A Name'],
    [
      'a link value has a control character',
      'valid-slug',
      { name: 'Maya', links: { mastodon: '@a\u0000@b' } },
      'links/mastodon',
    ],
  ])('when %s, then responds 400 naming the field and stores nothing', async (_name, slug, body, path) => {
    const before = await countRows(ctx());

    const res = await put(slug, body);

    expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual([path]);
    expect(await countRows(ctx())).toEqual(before);
  });

  test('when an author body is malformed JSON, then responds 400 MALFORMED_JSON', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request
      .put(`/v1/authors/${uniqueSlug('broken')}`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"name":');

    expectProblem(res, 400, 'MALFORMED_JSON');
  });
});
