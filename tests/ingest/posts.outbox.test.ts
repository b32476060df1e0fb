import { sql } from 'kysely';
import type { OutboxEventRow } from '@careerfeed/db';
import { postEventSchema } from '@careerfeed/jobs';
import { DIALECTS } from '../helpers/databases';
import { buildPost, countRows, outboxEventsOf, uniqueSlug, useIngest } from './support';

function payloadOf(row: OutboxEventRow) {
  return postEventSchema.parse(JSON.parse(row.payload));
}

describe.each(DIALECTS)('the transactional outbox on %s', (dialect) => {
  const ctx = useIngest(dialect);

  async function create(overrides: Record<string, unknown> = {}) {
    const { ingest, auth } = ctx();
    const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    expect(res.status).toBe(201);
    return res.body as { id: string; slug: string; published_at: string | null; author: { slug: string } };
  }

  describe('writing events', () => {
    test('when a draft is created, then exactly one post.created event is written with no before and the draft as after', async () => {
      const author = uniqueSlug('drafter');
      const post = await create({
        status: 'draft',
        published_at: null,
        tags: ['Resume', 'tips'],
        category: 'Guides',
        author: { slug: author, name: 'D' },
      });

      const events = await outboxEventsOf(ctx(), post.id);

      expect(events.map((event) => event.type)).toEqual(['post.created']);
      const payload = payloadOf(events[0]!);
      expect(payload).toEqual({
        eventId: events[0]!.id,
        type: 'post.created',
        postId: post.id,
        occurredAt: expect.any(String),
        // The API request that wrote it (X-Request-Id), so the worker's logs can name it.
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        before: null,
        after: {
          id: post.id,
          slug: post.slug,
          status: 'draft',
          published_at: null,
          author,
          category: 'guides',
          tags: ['resume', 'tips'],
        },
      });
      expect(events[0]!.dispatched_at).toBeNull();
    });

    test('when a published post is created, then exactly one post.published event is written', async () => {
      const post = await create({ published_at: '2025-01-27T18:00:00-03:00' });

      const events = await outboxEventsOf(ctx(), post.id);

      expect(events.map((event) => event.type)).toEqual(['post.published']);
      expect(payloadOf(events[0]!).after).toEqual(
        expect.objectContaining({ status: 'published', published_at: '2025-01-27T18:00:00-03:00' }),
      );
    });

    test('when a post is updated, then exactly one post.updated event is written with before and after snapshots', async () => {
      const { ingest, auth } = ctx();
      const post = await create({ tags: ['old-tag'], category: 'events' });

      await ingest.request
        .patch(`/v1/posts/${post.id}`)
        .set('Authorization', auth)
        .send({ tags: ['new-tag'], category: null })
        .expect(200);

      const events = await outboxEventsOf(ctx(), post.id);
      expect(events.map((event) => event.type)).toEqual(['post.published', 'post.updated']);
      const payload = payloadOf(events[1]!);
      expect(payload.before).toEqual(
        expect.objectContaining({ tags: ['old-tag'], category: 'events', status: 'published' }),
      );
      expect(payload.after).toEqual(
        expect.objectContaining({ tags: ['new-tag'], category: null, status: 'published' }),
      );
    });

    test('when a draft is published, then exactly one post.published event is written', async () => {
      const { ingest, auth } = ctx();
      const post = await create({ status: 'draft', published_at: null });

      await ingest.request
        .patch(`/v1/posts/${post.id}`)
        .set('Authorization', auth)
        .send({ status: 'published' })
        .expect(200);

      const events = await outboxEventsOf(ctx(), post.id);
      expect(events.map((event) => event.type)).toEqual(['post.created', 'post.published']);
      const payload = payloadOf(events[1]!);
      expect([payload.before?.status, payload.after?.status]).toEqual(['draft', 'published']);
      expect(payload.after?.published_at).not.toBeNull();
    });

    test('when a published post is set back to draft, then exactly one post.unpublished event is written', async () => {
      const { ingest, auth } = ctx();
      const post = await create();

      await ingest.request
        .patch(`/v1/posts/${post.id}`)
        .set('Authorization', auth)
        .send({ status: 'draft' })
        .expect(200);

      const events = await outboxEventsOf(ctx(), post.id);
      expect(events.map((event) => event.type)).toEqual(['post.published', 'post.unpublished']);
      const payload = payloadOf(events[1]!);
      expect([payload.before?.status, payload.after?.status]).toEqual(['published', 'draft']);
    });

    test('when a post is deleted, then exactly one post.deleted event is written with the last state as before and no after', async () => {
      const { ingest, auth } = ctx();
      const post = await create({ tags: ['gone'] });

      await ingest.request.delete(`/v1/posts/${post.id}`).set('Authorization', auth).expect(204);

      const events = await outboxEventsOf(ctx(), post.id);
      expect(events.map((event) => event.type)).toEqual(['post.published', 'post.deleted']);
      const payload = payloadOf(events[1]!);
      expect(payload.before).toEqual(expect.objectContaining({ id: post.id, slug: post.slug, tags: ['gone'] }));
      expect(payload.after).toBeNull();
    });

    test('when a patch changes nothing, then no event is written', async () => {
      const { ingest, auth } = ctx();
      const post = await create({
        html: '<p>Some <a href="/x">link</a> &amp; <em>text</em> — “quotes”</p><img src="a.png" alt="a">',
        tags: ['a', 'b'],
      });

      const empty = await ingest.request.patch(`/v1/posts/${post.id}`).set('Authorization', auth).send({});
      const same = await ingest.request
        .patch(`/v1/posts/${post.id}`)
        .set('Authorization', auth)
        .send({ tags: ['a', 'b'], status: 'published' });

      expect([empty.status, same.status]).toEqual([200, 200]);
      expect(await outboxEventsOf(ctx(), post.id)).toHaveLength(1);
    });

    test.each<
      [string, (id: string, slug: string) => [method: 'post' | 'patch', path: string, body: Record<string, unknown>]]
    >([
      ['a create with a taken slug', (_id, slug) => ['post', '/v1/posts', buildPost({ slug })]],
      ['a create with an unknown author', () => ['post', '/v1/posts', buildPost({ author: uniqueSlug('nobody') })]],
      ['a create with a bad published_at', () => ['post', '/v1/posts', buildPost({ published_at: 'yesterday' })]],
      ['a patch to a taken slug', (id) => ['patch', `/v1/posts/${id}`, { slug: 'taken-by-other' }]],
      ['a patch with an invalid status', (id) => ['patch', `/v1/posts/${id}`, { status: 'archived' }]],
    ])('when %s is rejected, then no event is written', async (_name, request) => {
      const { ingest, auth } = ctx();
      const post = await create();
      await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(buildPost({ slug: 'taken-by-other' }))
        .then((res) => expect([201, 409]).toContain(res.status));
      const before = await countRows(ctx());
      const [method, path, body] = request(post.id, post.slug);

      const res = await ingest.request[method](path).set('Authorization', auth).send(body);

      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await countRows(ctx())).toEqual(before);
    });

    test('when writing the event fails, then the post, its tags and its new author are not stored either', async () => {
      const { ingest, auth, database } = ctx();
      const db = database.db.kysely;
      // A trigger makes the outbox insert fail for one marked post: if the post were written in a
      // transaction of its own, it would survive the failure.
      if (dialect === 'postgres') {
        await sql`CREATE FUNCTION fail_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.payload LIKE '%outbox-fails-marker%' THEN RAISE EXCEPTION 'injected outbox failure'; END IF;
            RETURN NEW;
          END $$`.execute(db);
        await sql`CREATE TRIGGER fail_marked_event BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION fail_marked_event()`.execute(
          db,
        );
      } else {
        await sql`CREATE TRIGGER fail_marked_event BEFORE INSERT ON outbox_events
          WHEN NEW.payload LIKE '%outbox-fails-marker%' BEGIN SELECT RAISE(ABORT, 'injected outbox failure'); END`.execute(
          db,
        );
      }
      const before = await countRows(ctx());
      try {
        const res = await ingest.request
          .post('/v1/posts')
          .set('Authorization', auth)
          .send(
            buildPost({
              slug: 'outbox-fails-marker',
              tags: ['brand-new-tag-xyz'],
              author: { slug: uniqueSlug('lost'), name: 'Lost' },
            }),
          );

        expect(res.status).toBe(500);
        expect(await countRows(ctx())).toEqual(before);
      } finally {
        await sql`DROP TRIGGER fail_marked_event${sql.raw(dialect === 'postgres' ? ' ON outbox_events' : '')}`.execute(
          db,
        );
        if (dialect === 'postgres') await sql`DROP FUNCTION fail_marked_event()`.execute(db);
      }
    });
  });

  describe('relaying events to the queue', () => {
    test('when the relay drains, then each event becomes one job named by its type, with id event-<eventId> and a valid payload', async () => {
      const { ingest, auth } = ctx();
      const post = await create({ status: 'draft', published_at: null });
      await ingest.request
        .patch(`/v1/posts/${post.id}`)
        .set('Authorization', auth)
        .send({ status: 'published' })
        .expect(200);
      await ingest.request
        .patch(`/v1/posts/${post.id}`)
        .set('Authorization', auth)
        .send({ title: 'Edited', tags: ['edited'] })
        .expect(200);
      await ingest.request.delete(`/v1/posts/${post.id}`).set('Authorization', auth).expect(204);
      const events = await outboxEventsOf(ctx(), post.id);

      const moved = await ingest.relay.drain();

      expect(moved).toBeGreaterThanOrEqual(events.length);
      expect(events.map((event) => event.type)).toEqual([
        'post.created',
        'post.published',
        'post.updated',
        'post.deleted',
      ]);
      for (const event of events) {
        const job = await ingest.queue.getJob(`event-${event.id}`);
        expect(job).toBeDefined();
        expect(job!.name).toBe(event.type);
        expect(job!.id).toBe(`event-${event.id}`);
        const data = postEventSchema.parse(job!.data);
        expect(data).toEqual(JSON.parse(event.payload));
        expect(data).toEqual(expect.objectContaining({ eventId: event.id, type: event.type, postId: post.id }));
      }
    });

    test('when the relay has drained, then every event is marked dispatched and the queue holds one job per event', async () => {
      const { ingest, database } = ctx();
      const post = await create();
      const startedAt = new Date().toISOString();

      await ingest.relay.drain();

      const [event] = await outboxEventsOf(ctx(), post.id);
      expect(event!.dispatched_at).not.toBeNull();
      expect(event!.dispatched_at! >= startedAt).toBe(true);
      const all = await database.db.kysely.selectFrom('outbox_events').select(['id', 'dispatched_at']).execute();
      expect(all.filter((row) => row.dispatched_at === null)).toEqual([]);
      const jobs = await ingest.queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
      expect(jobs.map((job) => job.id).sort()).toEqual(all.map((row) => `event-${row.id}`).sort());
    });

    test('when the relay drains twice, then the second pass moves nothing and no job is added twice', async () => {
      const { ingest } = ctx();
      await create();
      await create({ status: 'draft', published_at: null });
      await ingest.relay.drain();
      const jobsAfterFirst = await ingest.queue.getJobCounts();

      const movedAgain = await ingest.relay.drain();

      expect(movedAgain).toBe(0);
      expect(await ingest.queue.getJobCounts()).toEqual(jobsAfterFirst);
    });

    test('when an already-relayed event is offered to the queue again, then its job id keeps it from being added twice', async () => {
      const { ingest, database } = ctx();
      const post = await create();
      await ingest.relay.drain();
      const [event] = await outboxEventsOf(ctx(), post.id);
      const jobsAfterFirst = await ingest.queue.getJobCounts();
      // As after a relay crash between enqueueing and marking: the event looks pending again.
      await database.db.kysely
        .updateTable('outbox_events')
        .set({ dispatched_at: null, lease_until: null, lease_owner: null })
        .where('id', '=', event!.id)
        .execute();

      const moved = await ingest.relay.drain();

      expect(moved).toBe(1);
      expect(await ingest.queue.getJobCounts()).toEqual(jobsAfterFirst);
    });
  });
});
