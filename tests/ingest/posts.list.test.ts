import { DIALECTS } from '../helpers/databases';
import { buildPost, expectProblem, errorPaths, uniqueSlug, useIngest } from './support';

interface Page {
  items: { id: string; title: string; status: string; tags: string[]; author: { slug: string } }[];
  next_cursor: string | null;
}

/** The path and query of a `Link: <…>; rel="next"` header, or null without one. */
function nextLink(header: string | undefined): string | null {
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(header ?? '');
  return match ? match[1]! : null;
}

describe.each(DIALECTS)('listing posts on %s', (dialect) => {
  const ctx = useIngest(dialect);
  const author = uniqueSlug('list-author');
  const otherAuthor = uniqueSlug('other-author');
  /** Ids in creation order; the API lists newest first. */
  const created: { id: string; status: string; author: string; tags: string[] }[] = [];

  beforeAll(async () => {
    const { ingest, auth } = ctx();
    // Sequential on purpose: creation order is the expected list order.
    for (let i = 0; i < 25; i++) {
      const status = i % 5 === 0 ? 'draft' : 'published';
      const who = i % 3 === 0 ? otherAuthor : author;
      const tags = i % 4 === 0 ? ['salary', 'offers'] : ['interviews'];
      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ title: `List post ${i}`, status, tags, author: { slug: who, name: `Author ${who}` } }));
      expect(res.status).toBe(201);
      created.push({ id: res.body.id, status, author: who, tags });
    }
  });

  const newestFirst = () => created.map((post) => post.id).reverse();

  test('when paging with limit=10 by next_cursor, then every post comes exactly once, newest first', async () => {
    const { ingest, auth } = ctx();
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;

    do {
      const res = await ingest.request
        .get('/v1/posts')
        .query(cursor ? { limit: 10, cursor } : { limit: 10 })
        .set('Authorization', auth);
      expect(res.status).toBe(200);
      const page = res.body as Page;
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor !== null && pageSizes.length < 10);

    expect(pageSizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(newestFirst());
  });

  test('when following the Link rel="next" header, then the pages are the same as with next_cursor and the last has no Link', async () => {
    const { ingest, auth } = ctx();
    const seen: string[] = [];
    const links: (string | null)[] = [];
    let url: string | null = '/v1/posts?limit=10';

    while (url !== null && links.length < 10) {
      const res = await ingest.request.get(url).set('Authorization', auth);
      expect(res.status).toBe(200);
      seen.push(...(res.body as Page).items.map((item) => item.id));
      url = nextLink(res.headers.link);
      links.push(url);
    }

    expect(links).toHaveLength(3);
    expect(links[2]).toBeNull();
    expect(links[0]).toMatch(/^\/v1\/posts\?.*limit=10/);
    expect(seen).toEqual(newestFirst());
  });

  test('when no limit is given, then a page holds 20 posts', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request.get('/v1/posts').set('Authorization', auth);

    expect(res.status).toBe(200);
    expect((res.body as Page).items.map((item) => item.id)).toEqual(newestFirst().slice(0, 20));
    expect(typeof res.body.next_cursor).toBe('string');
  });

  test('when filtering by status, then only posts with that status come, across pages', async () => {
    const { ingest, auth } = ctx();
    const seen: string[] = [];
    let url: string | null = '/v1/posts?status=published&limit=7';

    while (url !== null && seen.length < 100) {
      const res = await ingest.request.get(url).set('Authorization', auth);
      expect(res.status).toBe(200);
      seen.push(...(res.body as Page).items.map((item) => item.id));
      url = nextLink(res.headers.link);
    }

    const expected = created
      .filter((post) => post.status === 'published')
      .map((post) => post.id)
      .reverse();
    expect(seen).toEqual(expected);
  });

  test('when filtering by author, then only that author’s posts come', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request
      .get('/v1/posts')
      .query({ author: otherAuthor, limit: 100 })
      .set('Authorization', auth);

    expect(res.status).toBe(200);
    const expected = created
      .filter((post) => post.author === otherAuthor)
      .map((post) => post.id)
      .reverse();
    expect((res.body as Page).items.map((item) => item.id)).toEqual(expected);
    expect(res.body.next_cursor).toBeNull();
  });

  test('when filtering by a tag, then only posts with that tag come', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request.get('/v1/posts').query({ tag: 'salary', limit: 100 }).set('Authorization', auth);

    expect(res.status).toBe(200);
    const expected = created
      .filter((post) => post.tags.includes('salary'))
      .map((post) => post.id)
      .reverse();
    expect((res.body as Page).items.map((item) => item.id)).toEqual(expected);
  });

  test('when filters are combined, then they all apply', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request
      .get('/v1/posts')
      .query({ author, status: 'draft', tag: 'salary', limit: 100 })
      .set('Authorization', auth);

    expect(res.status).toBe(200);
    const expected = created
      .filter((post) => post.author === author && post.status === 'draft' && post.tags.includes('salary'))
      .map((post) => post.id)
      .reverse();
    expect(expected.length).toBeGreaterThan(0);
    expect((res.body as Page).items.map((item) => item.id)).toEqual(expected);
  });

  test('when filtering by an unknown author, then the list is empty', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request.get('/v1/posts').query({ author: 'nobody-here' }).set('Authorization', auth);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], next_cursor: null });
    expect(res.headers.link).toBeUndefined();
  });

  test('when the cursor was not issued by the API, then responds 400 naming cursor', async () => {
    const { ingest, auth } = ctx();

    const res = await ingest.request.get('/v1/posts').query({ cursor: 'not-a-cursor' }).set('Authorization', auth);

    expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual(['cursor']);
  });

  test.each([
    ['limit', { limit: 0 }],
    ['limit', { limit: 101 }],
    ['limit', { limit: 'ten' }],
    ['status', { status: 'archived' }],
    ['sort', { sort: 'title' }],
  ])('when the query has a bad %s (%j), then responds 400 naming it', async (path, query) => {
    const { ingest, auth } = ctx();

    const res = await ingest.request.get('/v1/posts').query(query).set('Authorization', auth);

    expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual([path]);
  });
});
