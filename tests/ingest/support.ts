import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import type { Dialect, OutboxEventRow } from '@careerfeed/db';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { createIngestHarness, type IngestHarness } from '../helpers/ingest';

export { PUBLIC_BASE_URL } from '../helpers/ingest';
export { buildPost } from '../helpers/factories';

export interface IngestContext {
  database: TestDatabase;
  ingest: IngestHarness;
  /** Authorization header of a posts:write key created once for the file. */
  auth: string;
}

/**
 * A fresh migrated database, the real ingest app on it and one posts:write key, for the
 * `describe` it is called in. Returns a getter because the hooks run after the describe body.
 */
export function useIngest(dialect: Dialect): () => IngestContext {
  let context: IngestContext | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase(dialect);
    const ingest = createIngestHarness(database.db);
    context = { database, ingest, auth: await ingest.bearer('posts:write') };
  });
  afterAll(async () => {
    await context?.ingest.close();
    await context?.database.drop();
  });
  return () => {
    if (!context) throw new Error('useIngest: the beforeAll hook has not run');
    return context;
  };
}

/** A slug no other test uses, for authors (lowercase letters and digits only). */
export function uniqueSlug(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface StoreCounts {
  posts: number;
  authors: number;
  tags: number;
  post_tags: number;
  outbox_events: number;
}

/** Row counts of every table a write may touch: "changes nothing" means these stay equal. */
export async function countRows({ database }: IngestContext): Promise<StoreCounts> {
  const db = database.db.kysely;
  const count = async (table: keyof StoreCounts) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    posts: await count('posts'),
    authors: await count('authors'),
    tags: await count('tags'),
    post_tags: await count('post_tags'),
    outbox_events: await count('outbox_events'),
  };
}

export function outboxEventsOf({ database }: IngestContext, postId: string): Promise<OutboxEventRow[]> {
  return database.db.kysely
    .selectFrom('outbox_events')
    .selectAll()
    .where('post_id', '=', postId)
    .orderBy('id')
    .execute();
}

export function countPostsWhere(
  { database }: IngestContext,
  column: 'external_id' | 'title',
  value: string,
): Promise<number> {
  return database.db.kysely
    .selectFrom('posts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where(column, '=', value)
    .executeTakeFirstOrThrow()
    .then((row) => Number(row.n));
}

/** Asserts an RFC 9457 answer with a stable code; returns the parsed body for further checks. */
export function expectProblem(
  res: Response,
  status: number,
  code: string,
): Record<string, unknown> & { errors?: { path: string; message: string }[] } {
  expect({ status: res.status, contentType: res.headers['content-type'] }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  const body = JSON.parse(res.text) as Record<string, unknown> & { errors?: { path: string; message: string }[] };
  expect(body).toEqual(
    expect.objectContaining({
      status,
      code,
      title: expect.any(String),
      detail: expect.any(String),
      type: expect.any(String),
    }),
  );
  expect((body.title as string).length).toBeGreaterThan(0);
  expect((body.detail as string).length).toBeGreaterThan(0);
  return body;
}

/** The paths named in a validation problem. */
export function errorPaths(problem: { errors?: { path: string }[] }): string[] {
  return (problem.errors ?? []).map((error) => error.path);
}
