import { DIALECTS } from '../helpers/databases';
import { PUBLIC_BASE_URL, buildPost, expectProblem, uniqueSlug, useIngest } from './support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(DIALECTS)('posts CRUD on %s', (dialect) => {
  const ctx = useIngest(dialect);

  async function create(overrides: Record<string, unknown> = {}) {
    const { ingest, auth } = ctx();
    const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    expect(res.status).toBe(201);
    return res.body as Record<string, unknown> & { id: string; slug: string };
  }

  describe('POST /v1/posts', () => {
    test('when a valid post is sent, then responds 201 with a Location and the stored post as the contract describes', async () => {
      const { ingest, auth } = ctx();
      const body = buildPost({
        title: 'Five questions to ask at the career fair',
        html: '<p>Bring a <strong>short</strong> pitch.</p>',
        author: {
          slug: 'maya-okafor',
          name: 'Maya Okafor',
          bio: 'Senior Career Advisor',
          links: { mastodon: '@maya@mastodon.example' },
        },
        tags: ['career fair', 'Networking'],
        category: 'Events',
        published_at: '2025-01-27T18:00:00-03:00',
        image: 'https://cdn.example.org/fair.jpg',
      });

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(body);

      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers.location).toBe(`/v1/posts/${res.body.id}`);
      expect(res.body).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(UUID),
          slug: 'five-questions-to-ask-at-the-career-fair',
          url: `${PUBLIC_BASE_URL}/posts/five-questions-to-ask-at-the-career-fair`,
          title: 'Five questions to ask at the career fair',
          html: '<p>Bring a <strong>short</strong> pitch.</p>',
          excerpt: 'Bring a short pitch.',
          word_count: 4,
          author: {
            slug: 'maya-okafor',
            name: 'Maya Okafor',
            bio: 'Senior Career Advisor',
            links: { mastodon: '@maya@mastodon.example' },
          },
          tags: ['career-fair', 'networking'],
          category: 'events',
          published_at: '2025-01-27T18:00:00-03:00',
          status: 'published',
          image: 'https://cdn.example.org/fair.jpg',
          canonical_url: null,
          source: 'api',
          external_id: null,
          related: [],
        }),
      );
    });

    test('when a post is sent without status or published_at, then it is published now', async () => {
      const { ingest, auth } = ctx();
      const before = Date.now();
      const body = buildPost();
      delete body.published_at;

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(body);

      expect(res.status).toBe(201);
      expect(res.body.status).toBe('published');
      const publishedAt = Date.parse(res.body.published_at as string);
      expect(publishedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(publishedAt).toBeLessThanOrEqual(Date.now() + 1000);
    });

    test('when a draft is sent without published_at, then it is stored as a draft with no publication time', async () => {
      const { ingest, auth } = ctx();
      const body = buildPost({ status: 'draft' });
      delete body.published_at;

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(body);

      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ status: 'draft', published_at: null }));
    });

    test('when the author is given as the slug of an existing author, then the post carries that author', async () => {
      const { ingest, auth } = ctx();
      const slug = uniqueSlug('lena');
      await ingest.request
        .put(`/v1/authors/${slug}`)
        .set('Authorization', auth)
        .send({ name: 'Lena Park' })
        .expect(201);

      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ author: slug }));

      expect(res.status).toBe(201);
      expect(res.body.author).toEqual({ slug, name: 'Lena Park', bio: '', links: {} });
    });
  });

  describe('GET /v1/posts/{id}', () => {
    test('when a created post is read by id, then the same resource comes back', async () => {
      const { ingest, auth } = ctx();
      const created = await create({ tags: ['resume', 'cover-letters'] });

      const res = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);

      expect(res.status).toBe(200);
      expect(res.body).toEqual(created);
    });
  });

  describe('PATCH /v1/posts/{id}', () => {
    test('when only the title is sent, then the title changes and every other field stays', async () => {
      const { ingest, auth } = ctx();
      const created = await create({ image: 'https://cdn.example.org/a.png' });

      const res = await ingest.request
        .patch(`/v1/posts/${created.id}`)
        .set('Authorization', auth)
        .send({ title: 'A better title' });

      expect(res.status).toBe(200);
      const { title, updated_at, ...rest } = res.body as Record<string, unknown>;
      const { title: oldTitle, updated_at: _oldUpdatedAt, ...oldRest } = created;
      expect({ title, oldTitle }).toEqual({ title: 'A better title', oldTitle: created.title });
      expect(typeof updated_at).toBe('string');
      expect(rest).toEqual(oldRest);
      const read = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);
      expect(read.body.title).toBe('A better title');
    });

    test('when category and image are set to null, then both are cleared', async () => {
      const { ingest, auth } = ctx();
      const created = await create({ category: 'resumes', image: 'https://cdn.example.org/cv.png' });

      const res = await ingest.request
        .patch(`/v1/posts/${created.id}`)
        .set('Authorization', auth)
        .send({ category: null, image: null });

      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ category: null, image: null }));
      const read = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);
      expect(read.body).toEqual(expect.objectContaining({ category: null, image: null }));
    });

    test('when tags are sent, then they replace the old ones in the given order', async () => {
      const { ingest, auth } = ctx();
      const created = await create({ tags: ['alpha', 'beta', 'gamma'] });

      const res = await ingest.request
        .patch(`/v1/posts/${created.id}`)
        .set('Authorization', auth)
        .send({ tags: ['Salary', 'negotiation', 'alpha'] });

      expect(res.status).toBe(200);
      expect(res.body.tags).toEqual(['salary', 'negotiation', 'alpha']);
      const read = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);
      expect(read.body.tags).toEqual(['salary', 'negotiation', 'alpha']);
    });

    test('when an empty tag list is sent, then the post has no tags', async () => {
      const { ingest, auth } = ctx();
      const created = await create({ tags: ['alpha'] });

      const res = await ingest.request.patch(`/v1/posts/${created.id}`).set('Authorization', auth).send({ tags: [] });

      expect(res.status).toBe(200);
      const read = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);
      expect(read.body.tags).toEqual([]);
    });

    test('when a new free slug is sent, then the slug and url change', async () => {
      const { ingest, auth } = ctx();
      const created = await create();
      const slug = uniqueSlug('renamed-post');

      const res = await ingest.request.patch(`/v1/posts/${created.id}`).set('Authorization', auth).send({ slug });

      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ id: created.id, slug, url: `${PUBLIC_BASE_URL}/posts/${slug}` }),
      );
      const read = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);
      expect(read.body.slug).toBe(slug);
    });

    test('when a draft is set to published, then it is published with a publication time', async () => {
      const { ingest, auth } = ctx();
      const draft = buildPost({ status: 'draft' });
      delete draft.published_at;
      const created = (await ingest.request.post('/v1/posts').set('Authorization', auth).send(draft).expect(201)).body;

      const res = await ingest.request
        .patch(`/v1/posts/${created.id}`)
        .set('Authorization', auth)
        .send({ status: 'published' });

      expect(res.status).toBe(200);
      expect(res.body.status).toBe('published');
      expect(Number.isNaN(Date.parse(res.body.published_at))).toBe(false);
    });

    test('when html changes, then the derived excerpt and word count follow it', async () => {
      const { ingest, auth } = ctx();
      const created = await create({ html: '<p>old words here</p>' });

      const res = await ingest.request
        .patch(`/v1/posts/${created.id}`)
        .set('Authorization', auth)
        .send({ html: '<p>Completely new text now</p>' });

      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ excerpt: 'Completely new text now', word_count: 4 }));
    });
  });

  describe('DELETE /v1/posts/{id}', () => {
    test('when a post is deleted, then responds 204 and the post is gone', async () => {
      const { ingest, auth } = ctx();
      const created = await create();

      const res = await ingest.request.delete(`/v1/posts/${created.id}`).set('Authorization', auth);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const read = await ingest.request.get(`/v1/posts/${created.id}`).set('Authorization', auth);
      expectProblem(read, 404, 'NOT_FOUND');
    });

    test('when a deleted post is deleted again, then responds 404', async () => {
      const { ingest, auth } = ctx();
      const created = await create();
      await ingest.request.delete(`/v1/posts/${created.id}`).set('Authorization', auth).expect(204);

      const res = await ingest.request.delete(`/v1/posts/${created.id}`).set('Authorization', auth);

      expectProblem(res, 404, 'NOT_FOUND');
    });
  });
});
