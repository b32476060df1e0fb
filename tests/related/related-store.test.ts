import { type RelatedDocument, type RelatedEntry, RelatedIndex } from '@careerfeed/core';
import { RelatedStore } from '@careerfeed/posts';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { FIXTURE_PATH, SECOND_FIXTURE_PATH, loadLabelledPosts } from './fixture-posts';

/**
 * The store-backed index (packages/posts, related-store) against core's in-memory RelatedIndex,
 * the reference: the same changes in the same order (IDF drifts with the order) must give the
 * same lists, ids and order exactly, scores to float precision.
 */

const NOW = '2026-12-07T00:00:00.000Z';

type Step = { op: 'upsert'; doc: RelatedDocument } | { op: 'remove'; id: string };

/** Every post published in file order, then edits, removals, a return and a replayed change. */
function scenario(file: string): Step[] {
  const docs = loadLabelledPosts(file).docs.map((doc, i) => ({
    ...doc,
    // Some categories, so that the same-category factor is exercised too.
    category: i % 3 === 0 ? `group-${i % 2}` : null,
  }));
  const steps: Step[] = docs.map((doc) => ({ op: 'upsert', doc }));
  const edit = (i: number, change: Partial<RelatedDocument>): Step => ({
    op: 'upsert',
    doc: { ...docs[i]!, ...change },
  });
  steps.push(
    edit(5, { title: `${docs[5]!.title} and ${docs[9]!.title}` }),
    edit(10, { tags: [...docs[10]!.tags, 'something-else', ...docs[30]!.tags] }),
    edit(20, { category: 'group-0' }),
    edit(21, { text: `${docs[21]!.text} ${docs[40]!.text}` }),
    { op: 'remove', id: docs[3]!.id },
    { op: 'remove', id: docs[15]!.id },
    { op: 'remove', id: docs[30]!.id },
    { op: 'remove', id: 'never-indexed' },
    { op: 'upsert', doc: docs[3]! },
    // A replayed change: nothing to do.
    { op: 'upsert', doc: docs[7]! },
  );
  return steps;
}

function expectSameLists(
  actual: Map<string, RelatedEntry[]>,
  expected: Map<string, RelatedEntry[]>,
  context: string,
): void {
  const ids = (lists: Map<string, RelatedEntry[]>) =>
    [...lists].map(([id, list]) => [id, list.map((entry) => entry.id)] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  expect({ context, lists: ids(actual) }).toEqual({ context, lists: ids(expected) });
  for (const [id, list] of expected) {
    list.forEach((entry, i) => expect(actual.get(id)![i]!.score).toBeCloseTo(entry.score, 12));
  }
}

describe.each(DIALECTS)('related store on %s', (dialect) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });

  afterAll(async () => {
    await database.drop();
  });

  it.each([
    ['sample-blog', FIXTURE_PATH],
    ['related-eval-b', SECOND_FIXTURE_PATH],
  ])(
    'when %s is published, edited and partly removed, then every change and every list equal the in-memory index',
    async (_name, file) => {
      const db = database.db.kysely;
      const store = new RelatedStore({ k: 3 });
      await db.transaction().execute((trx) => store.reset(trx, NOW, false));
      const reference = new RelatedIndex({ k: 3, rebuildWhileBelow: 0 });
      const steps = scenario(file);

      for (const [n, step] of steps.entries()) {
        const expected = step.op === 'upsert' ? reference.upsert(step.doc) : reference.remove(step.id);
        const actual = await db
          .transaction()
          .execute((trx) =>
            step.op === 'upsert' ? store.upsert(trx, step.doc, NOW) : store.remove(trx, step.id, NOW),
          );
        expectSameLists(actual.changed, expected.changed, `step ${n} (${step.op})`);
      }

      const ids = new Set(steps.flatMap((step) => (step.op === 'upsert' ? [step.doc.id] : [])));
      const stored = new Map<string, RelatedEntry[]>();
      for (const id of ids) if (reference.has(id)) stored.set(id, await store.related(db, id));
      expectSameLists(stored, reference.lists(), 'final lists');
      expect((await store.state(db)).posts).toBe(reference.size);
      expect(await store.has(db, 'never-indexed')).toBe(false);
    },
    120_000,
  );
});
