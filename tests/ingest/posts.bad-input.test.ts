import type { Test } from 'supertest';
import { uuidv7 } from '@careerfeed/db';
import { DIALECTS } from '../helpers/databases';
import { type IngestContext, buildPost, countRows, errorPaths, expectProblem, uniqueSlug, useIngest } from './support';

/** A valid body whose author would be new: a write that leaked past a rollback would add an author. */
function postWithNewAuthor(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return buildPost({ author: { slug: uniqueSlug('rejected-author'), name: 'Rejected Author' }, ...overrides });
}

function without(field: string): Record<string, unknown> {
  const body = postWithNewAuthor();
  delete body[field];
  return body;
}

interface BadRequest {
  name: string;
  status: number;
  code: string;
  /** Paths of `errors`; undefined when the problem has no `errors` member. */
  paths?: string[];
  send(ctx: IngestContext): Test;
}

const post = ({ ingest, auth }: IngestContext) => ingest.request.post('/v1/posts').set('Authorization', auth);

const BAD_CREATES: BadRequest[] = [
  {
    name: 'the title is missing',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['title'],
    send: (c) => post(c).send(without('title')),
  },
  {
    name: 'the title is a number',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['title'],
    send: (c) => post(c).send(postWithNewAuthor({ title: 42 })),
  },
  {
    name: 'the title is empty',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['title'],
    send: (c) => post(c).send(postWithNewAuthor({ title: '' })),
  },
  {
    name: 'the html is missing',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['html'],
    send: (c) => post(c).send(without('html')),
  },
  {
    name: 'the author is missing',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['author'],
    send: (c) => post(c).send(without('author')),
  },
  {
    name: 'published_at is "yesterday"',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['published_at'],
    send: (c) => post(c).send(postWithNewAuthor({ published_at: 'yesterday' })),
  },
  {
    name: 'published_at is the impossible date 2025-02-30T10:00:00Z',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['published_at'],
    send: (c) => post(c).send(postWithNewAuthor({ published_at: '2025-02-30T10:00:00Z' })),
  },
  {
    name: 'published_at has no offset',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['published_at'],
    send: (c) => post(c).send(postWithNewAuthor({ published_at: '2025-01-27T18:00:00' })),
  },
  {
    name: 'the author slug is unknown',
    status: 422,
    code: 'UNKNOWN_AUTHOR',
    paths: ['author'],
    send: (c) => post(c).send(buildPost({ author: uniqueSlug('nobody') })),
  },
  {
    name: 'the status is "archived"',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['status'],
    send: (c) => post(c).send(postWithNewAuthor({ status: 'archived' })),
  },
  {
    name: 'tags is a string "a,b"',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['tags'],
    send: (c) => post(c).send(postWithNewAuthor({ tags: 'a,b' })),
  },
  {
    name: 'a tag is a number',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['tags/1'],
    send: (c) => post(c).send(postWithNewAuthor({ tags: ['ok', 7] })),
  },
  {
    name: 'a tag has no letters or digits',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['tags/0'],
    send: (c) => post(c).send(postWithNewAuthor({ tags: ['!!!'] })),
  },
  {
    name: 'an unknown field "publish_at" is sent',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['publish_at'],
    send: (c) => post(c).send(postWithNewAuthor({ publish_at: '2030-01-01T09:00:00Z' })),
  },
  {
    name: 'canonical_url is not an http(s) URL',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['canonical_url'],
    send: (c) => post(c).send(postWithNewAuthor({ canonical_url: 'javascript:alert(1)' })),
  },
  {
    name: 'the inline author has no name',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['author'],
    send: (c) => post(c).send(buildPost({ author: { slug: uniqueSlug('nameless') } })),
  },
  {
    name: 'the body is malformed JSON',
    status: 400,
    code: 'MALFORMED_JSON',
    send: (c) => post(c).set('Content-Type', 'application/json').send('{"title": "Unclosed'),
  },
  {
    name: 'the body is text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    send: (c) => post(c).set('Content-Type', 'text/plain').send(JSON.stringify(postWithNewAuthor())),
  },
  {
    name: 'the JSON is in a charset other than UTF-8',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    send: (c) =>
      post(c).set('Content-Type', 'application/json; charset=latin1').send(JSON.stringify(postWithNewAuthor())),
  },
  {
    name: 'the body is larger than 1 MB',
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    send: (c) => post(c).send(postWithNewAuthor({ html: `<p>${'x'.repeat(1_100_000)}</p>` })),
  },
  {
    name: 'the body is a JSON array',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: [''],
    send: (c) =>
      post(c)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify([postWithNewAuthor()])),
  },
  // body-parser's strict mode accepts only objects and arrays at the top level.
  {
    name: 'the body is JSON null',
    status: 400,
    code: 'MALFORMED_JSON',
    send: (c) => post(c).set('Content-Type', 'application/json').send('null'),
  },
  { name: 'there is no body at all', status: 400, code: 'VALIDATION_FAILED', paths: [''], send: (c) => post(c) },
  // The worst of what `npm run bench:fuzz` / tests/fuzz/openapi-fuzz.test.ts sent (all refused
  // cleanly; kept so they stay refused, with exactly this answer).
  {
    name: 'fuzz: the title is nested 2,000 objects and arrays deep',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['title'],
    send: (c) => post(c).send(postWithNewAuthor({ title: nested(2000) })),
  },
  {
    name: "fuzz: the body is 20,000 '[' (unclosed, nested past any parser's stack)",
    status: 400,
    code: 'MALFORMED_JSON',
    send: (c) => post(c).set('Content-Type', 'application/json').send('['.repeat(20_000)),
  },
  {
    name: 'fuzz: the body is an object nested 3,000 deep with none of the fields',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['title', 'html', 'author', 'a'],
    send: (c) =>
      post(c)
        .set('Content-Type', 'application/json')
        .send(`{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3001)}`),
  },
  {
    name: 'fuzz: a "__proto__" key tries to smuggle a field past validation',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['__proto__'],
    send: (c) =>
      post(c)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(postWithNewAuthor()).replace(/^\{/, '{"__proto__":{"status":"published","slug":"x"},')),
  },
  {
    name: 'fuzz: the title is a lone UTF-16 surrogate (\\ud800)',
    status: 400,
    code: 'VALIDATION_FAILED',
    paths: ['title'],
    send: (c) =>
      post(c)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(postWithNewAuthor()).replace(/"title":"[^"]*"/, '"title":"\\ud800"')),
  },
];

/** `leaf` inside `depth` alternating objects and arrays: {a:[{a:[…]}]}. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe.each(DIALECTS)('bad input to the ingest API on %s', (dialect) => {
  const ctx = useIngest(dialect);

  describe('POST /v1/posts', () => {
    test.each(BAD_CREATES.map((bad) => [bad.name, bad] as const))(
      'when %s, then responds with a precise problem and changes nothing',
      async (_name, bad) => {
        const before = await countRows(ctx());

        const res = await bad.send(ctx());

        const problem = expectProblem(res, bad.status, bad.code);
        if (bad.paths) {
          expect(errorPaths(problem)).toEqual(bad.paths);
          for (const error of problem.errors!) expect(error.message).toEqual(expect.any(String));
        } else {
          expect(problem.errors).toBeUndefined();
        }
        expect(await countRows(ctx())).toEqual(before);
      },
    );

    test('when the slug is already used, then responds 409 SLUG_TAKEN and changes nothing', async () => {
      const { ingest, auth } = ctx();
      const slug = uniqueSlug('dup');
      await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost({ slug })).expect(201);
      const before = await countRows(ctx());

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(postWithNewAuthor({ slug }));

      expect(errorPaths(expectProblem(res, 409, 'SLUG_TAKEN'))).toEqual(['slug']);
      expect(await countRows(ctx())).toEqual(before);
    });

    test('when several fields are wrong, then every one of them is named', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send({
        title: 1,
        html: '<p>x</p>',
        author: 'maya-okafor',
        status: 'archived',
        tags: 'a,b',
        publish_at: 'soon',
      });

      expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED')).sort()).toEqual([
        'publish_at',
        'status',
        'tags',
        'title',
      ]);
    });
  });

  describe('posts by id', () => {
    let existingId: string;
    let existing: Record<string, unknown>;
    beforeAll(async () => {
      const { ingest, auth } = ctx();
      existing = (
        await ingest.request
          .post('/v1/posts')
          .set('Authorization', auth)
          .send(buildPost({ category: 'offers' }))
          .expect(201)
      ).body;
      existingId = existing.id as string;
    });

    test.each([
      ['an unknown post id', () => uuidv7()],
      ['an id that is not a UUID', () => 'not-a-uuid'],
      ['an upper-case UUID', () => existingId.toUpperCase()],
      ['an id with SQL in it', () => "1' OR '1'='1"],
    ])('when GET names %s, then responds 404 NOT_FOUND', async (_name, id) => {
      const { ingest, auth } = ctx();

      const res = await ingest.request.get(`/v1/posts/${encodeURIComponent(id())}`).set('Authorization', auth);

      expectProblem(res, 404, 'NOT_FOUND');
    });

    test('fuzz: when a 10 KB id is patched, then responds 404 NOT_FOUND and changes nothing', async () => {
      const { ingest, auth } = ctx();
      const before = await countRows(ctx());

      const res = await ingest.request
        .patch(`/v1/posts/${'a'.repeat(10 * 1024)}`)
        .set('Authorization', auth)
        .send({ title: 'Ghost' });

      expectProblem(res, 404, 'NOT_FOUND');
      expect(await countRows(ctx())).toEqual(before);
    });

    test('when a missing post is patched, then responds 404 and changes nothing', async () => {
      const { ingest, auth } = ctx();
      const before = await countRows(ctx());

      const res = await ingest.request
        .patch(`/v1/posts/${uuidv7()}`)
        .set('Authorization', auth)
        .send({ title: 'Ghost' });

      expectProblem(res, 404, 'NOT_FOUND');
      expect(await countRows(ctx())).toEqual(before);
    });

    test('when a missing post is deleted, then responds 404 and changes nothing', async () => {
      const { ingest, auth } = ctx();
      const before = await countRows(ctx());

      const res = await ingest.request.delete(`/v1/posts/${uuidv7()}`).set('Authorization', auth);

      expectProblem(res, 404, 'NOT_FOUND');
      expect(await countRows(ctx())).toEqual(before);
    });

    test.each<[string, Record<string, unknown>, string]>([
      ['status "archived"', { status: 'archived' }, 'status'],
      ['a null title', { title: null }, 'title'],
      ['an unknown field', { author_id: 'x' }, 'author_id'],
      ['an unparseable published_at', { published_at: '2025-13-01T00:00:00Z' }, 'published_at'],
      ['tags that are not a list', { tags: 'a,b' }, 'tags'],
      ['source, which only a create may set', { source: 'elsewhere' }, 'source'],
    ])(
      'when a patch has %s, then responds 400 naming the field and the post is unchanged',
      async (_name, patch, path) => {
        const { ingest, auth } = ctx();
        const before = await countRows(ctx());

        const res = await ingest.request.patch(`/v1/posts/${existingId}`).set('Authorization', auth).send(patch);

        expect(errorPaths(expectProblem(res, 400, 'VALIDATION_FAILED'))).toEqual([path]);
        expect(await countRows(ctx())).toEqual(before);
        const read = await ingest.request.get(`/v1/posts/${existingId}`).set('Authorization', auth);
        expect(read.body).toEqual(existing);
      },
    );

    test('when a patch names an unknown author slug, then responds 422 UNKNOWN_AUTHOR and the post is unchanged', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request
        .patch(`/v1/posts/${existingId}`)
        .set('Authorization', auth)
        .send({ author: uniqueSlug('ghost') });

      expectProblem(res, 422, 'UNKNOWN_AUTHOR');
      const read = await ingest.request.get(`/v1/posts/${existingId}`).set('Authorization', auth);
      expect(read.body).toEqual(existing);
    });
  });

  describe('methods and routes', () => {
    test.each([
      ['PUT', '/v1/posts', 'GET, POST'],
      ['DELETE', '/v1/posts', 'GET, POST'],
      ['POST', `/v1/posts/${uuidv7()}`, 'GET, PATCH, DELETE'],
      ['PUT', `/v1/posts/${uuidv7()}`, 'GET, PATCH, DELETE'],
      ['POST', '/v1/authors', 'GET'],
      ['DELETE', '/v1/authors/maya-okafor', 'GET, PUT'],
    ])('when %s %s is requested, then responds 405 with an Allow header', async (method, path, allow) => {
      const { ingest, auth } = ctx();
      const before = await countRows(ctx());

      const res = await ingest.request[method.toLowerCase() as 'put' | 'post' | 'delete'](path)
        .set('Authorization', auth)
        .send(buildPost());

      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(allow);
      expect(await countRows(ctx())).toEqual(before);
    });

    test('fuzz: when limit is 99999999999999999999999, then responds 400 naming both of what is wrong with it', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request.get('/v1/posts?limit=99999999999999999999999').set('Authorization', auth);

      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      // Past Number.MAX_SAFE_INTEGER it is no longer a whole number, and it is over 100.
      expect(problem.errors).toEqual([
        { path: 'limit', message: 'must be a whole number' },
        { path: 'limit', message: 'must be at most 100' },
      ]);
    });

    test('when an unknown route is requested, then responds 404 as problem+json', async () => {
      const { ingest, auth } = ctx();

      const res = await ingest.request.get('/v1/nothing-here').set('Authorization', auth);

      expectProblem(res, 404, 'NOT_FOUND');
    });
  });
});
