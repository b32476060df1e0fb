import { type RelatedDocument, type RelatedEntry, rankAll } from '@careerfeed/core';
import type { Database, Kysely } from '@careerfeed/db';
import { RelatedStore } from '@careerfeed/posts';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { FIXTURE_PATH, SECOND_FIXTURE_PATH, loadLabelledPosts, precision } from './fixture-posts';

/**
 * The rolling re-weigh (RelatedStore.reweighStalest), which replaced periodic full recomputes in
 * the worker: on a store that grew 2× by upserts since its last full recompute, re-weighing every
 * post, stalest first, in small batches must bring the lists back to what a full recompute gives.
 */

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 0, minute)).toISOString();

async function fullRecompute(db: Kysely<Database>, store: RelatedStore, docs: RelatedDocument[], nowUtc: string) {
  await db.transaction().execute((trx) => store.reset(trx, nowUtc, true));
  await db.transaction().execute((trx) => store.addUnranked(trx, docs, nowUtc));
  await db.transaction().execute((trx) => store.beginRecompute(trx, nowUtc));
  for (const phase of ['weigh', 'expand', 'link'] as const) {
    let after: number | undefined = -1;
    while (after !== undefined) {
      const from: number = after;
      after = await db.transaction().execute((trx) => store.recomputePhase(trx, phase, from, 16, nowUtc));
    }
  }
  await db.transaction().execute((trx) => store.finishFill(trx, nowUtc));
}

/** Share of the reference's links that `lists` has too. */
function agreement(lists: Map<string, RelatedEntry[]>, reference: Map<string, RelatedEntry[]>): number {
  let same = 0;
  let all = 0;
  for (const [id, list] of reference) {
    const ids = new Set(lists.get(id)!.map((entry) => entry.id));
    for (const entry of list) {
      all++;
      if (ids.has(entry.id)) same++;
    }
  }
  return same / all;
}

const idsOf = (lists: Map<string, RelatedEntry[]>) =>
  new Map([...lists].map(([id, list]) => [id, list.map((entry) => entry.id)]));

describe.each(DIALECTS)('rolling re-weigh of the related store on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(() => database.drop());

  async function weighedAt(): Promise<Map<string, string>> {
    const rows = await database.db.kysely.selectFrom('related_store_posts').select(['post_id', 'weighed_at']).execute();
    return new Map(rows.map((row) => [row.post_id, row.weighed_at]));
  }

  it.each([
    ['sample-blog', FIXTURE_PATH],
    ['related-eval-b', SECOND_FIXTURE_PATH],
  ])(
    'when %s grew 2× by upserts since its full recompute, then two rolling passes of small batches give exactly the full recompute’s lists',
    async (name, file) => {
      const db = database.db.kysely;
      const { docs, topicOf } = loadLabelledPosts(file);
      const half = docs.length / 2;
      const store = new RelatedStore({ k: 3 });
      await fullRecompute(db, store, docs.slice(0, half), at(0));
      for (const doc of docs.slice(half)) await db.transaction().execute((trx) => store.upsert(trx, doc, at(1)));
      const lists = async () => {
        const out = new Map<string, RelatedEntry[]>();
        for (const doc of docs) out.set(doc.id, await store.related(db, doc.id));
        return out;
      };
      const reference = rankAll(docs, 3);
      const drifted = await lists();
      const figures = [
        `drifted: p@3 ${precision(drifted, topicOf).toFixed(3)}, agreement ${agreement(drifted, reference).toFixed(3)}`,
      ];
      // The store drifted from a full recompute (else this test would prove nothing).
      expect(agreement(drifted, reference)).toBeLessThan(0.95);

      let minute = 2;
      for (let pass = 1; pass <= 2; pass++) {
        const passStarted = at(minute);
        let reweighed = 0;
        for (;;) {
          const round = await db
            .transaction()
            .execute((trx) => store.reweighStalest(trx, at(minute++), 10, { weighedBefore: passStarted }));
          if (round.reweighed === 0) break;
          reweighed += round.reweighed;
        }
        // Stalest first: one pass re-weighs every post once.
        expect(reweighed).toBe(docs.length);
        for (const [id, when] of await weighedAt())
          expect({ id, when: when >= passStarted }).toEqual({ id, when: true });
        const now = await lists();
        figures.push(
          `pass ${pass}: p@3 ${precision(now, topicOf).toFixed(3)}, agreement ${agreement(now, reference).toFixed(3)}`,
        );
      }
      const rolled = await lists();
      console.log(
        `${dialect} ${name}: full recompute p@3 ${precision(reference, topicOf).toFixed(3)}; ${figures.join('; ')}`,
      );
      // After the first pass an expansion may still have used a feedback post's old base vector;
      // after the second every vector is what a full recompute computes.
      expect(idsOf(rolled)).toEqual(idsOf(reference));
      for (const [id, list] of reference) {
        list.forEach((entry, i) => expect(rolled.get(id)![i]!.score).toBeCloseTo(entry.score, 9));
      }
      expect(precision(rolled, topicOf)).toBe(precision(reference, topicOf));
    },
    120_000,
  );

  it('when a post is upserted unchanged, then nothing is re-weighed; reweighStalest re-weighs it, takes the stalest first and keeps to its bounds', async () => {
    const db = database.db.kysely;
    const { docs } = loadLabelledPosts(FIXTURE_PATH);
    const store = new RelatedStore({ k: 3 });
    await db.transaction().execute((trx) => store.reset(trx, at(0), false));
    for (const [i, doc] of docs.slice(0, 12).entries()) {
      await db.transaction().execute((trx) => store.upsert(trx, doc, at(i)));
    }
    const before = await weighedAt();
    // A replayed change: the upsert short-circuits, its weighing (and so the statistics it was
    // weighed by) stays as it was.
    const replay = await db.transaction().execute((trx) => store.upsert(trx, docs[0]!, at(30)));
    expect(replay.changed.size).toBe(0);
    expect((await weighedAt()).get(docs[0]!.id)).toBe(before.get(docs[0]!.id));

    // Only posts weighed before minute 3 (three of them), at least one whatever its age.
    const due = await db
      .transaction()
      .execute((trx) => store.reweighStalest(trx, at(40), 10, { atLeast: 1, weighedBefore: at(3) }));
    expect(due.reweighed).toBe(3);
    expect(due.stalestLeft).toBe(at(3));
    let after = await weighedAt();
    for (const doc of docs.slice(0, 3)) expect(after.get(doc.id)).toBe(at(40));
    for (const doc of docs.slice(3, 12)) expect(after.get(doc.id)).toBe(before.get(doc.id));

    // The limit, then a deadline already passed: one post, never none.
    const limited = await db.transaction().execute((trx) => store.reweighStalest(trx, at(41), 2, { atLeast: 5 }));
    expect(limited.reweighed).toBe(2);
    const late = await db
      .transaction()
      .execute((trx) => store.reweighStalest(trx, at(42), 10, { atLeast: 10, deadline: performance.now() - 1 }));
    expect(late.reweighed).toBe(1);
    after = await weighedAt();
    expect([3, 4].map((i) => after.get(docs[i]!.id))).toEqual([at(41), at(41)]);
    expect(after.get(docs[5]!.id)).toBe(at(42));
    // Nothing due, nothing asked: nothing done.
    const idle = await db.transaction().execute((trx) => store.reweighStalest(trx, at(43), 10, {}));
    expect(idle.reweighed).toBe(0);
    expect(idle.changed.size).toBe(0);
  });
});
