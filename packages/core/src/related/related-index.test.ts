import { type RelatedDocument, type RelatedEntry, RelatedIndex } from './related-index';

function buildDoc(overrides: Partial<RelatedDocument> & { id: string }): RelatedDocument {
  return { title: '', text: '', tags: [], category: null, ...overrides };
}

// Three topics far from careers, four posts each.
const BAKING = [
  buildDoc({
    id: 'bake-1',
    title: 'Feeding a sourdough starter',
    text: 'Feed the starter flour and water daily; a lively starter doubles and smells sour before you bake bread.',
    tags: ['sourdough'],
  }),
  buildDoc({
    id: 'bake-2',
    title: 'Shaping sourdough loaves',
    text: 'Shape the dough gently, keep surface tension, proof the loaf in a floured basket and bake the bread hot.',
    tags: ['bread'],
  }),
  buildDoc({
    id: 'bake-3',
    title: 'Why bread dough needs kneading',
    text: 'Kneading develops gluten so dough traps gas; a well-kneaded dough makes an airy loaf of bread.',
    tags: ['bread', 'dough'],
  }),
  buildDoc({
    id: 'bake-4',
    title: 'Baking bread in a dutch oven',
    text: 'A preheated dutch oven traps steam around the loaf, so the crust of the bread blisters and the dough springs.',
    tags: ['baking'],
  }),
];
const ASTRONOMY = [
  buildDoc({
    id: 'astro-1',
    title: 'Finding Jupiter with binoculars',
    text: 'Jupiter is the brightest planet after Venus; binoculars show its four moons lined up beside the planet.',
    tags: ['planets'],
  }),
  buildDoc({
    id: 'astro-2',
    title: 'Choosing a first telescope',
    text: 'A small refractor telescope shows the moons of Jupiter, the rings of Saturn and craters on the Moon.',
    tags: ['telescopes'],
  }),
  buildDoc({
    id: 'astro-3',
    title: 'Watching a meteor shower',
    text: 'Meteors are comet dust burning in the atmosphere; no telescope needed, just dark skies after midnight, with Jupiter and other planets rising.',
    tags: ['meteors'],
  }),
  buildDoc({
    id: 'astro-4',
    title: 'Photographing the night sky',
    text: 'A tripod and long exposure capture stars, planets and meteors; dark skies away from city lights help the telescope too.',
    tags: ['astrophotography'],
  }),
];
const CYCLING = [
  buildDoc({
    id: 'bike-1',
    title: 'Fixing a flat bicycle tire',
    text: 'Remove the bicycle wheel, lever the tire off the rim, patch the inner tube and pump the tire back up before you shift gears again.',
    tags: ['repairs'],
  }),
  buildDoc({
    id: 'bike-2',
    title: 'Lubricating a bicycle chain',
    text: 'Clean the chain, apply a drop of lube to each link, wipe the excess so the chain shifts smoothly on the gears.',
    tags: ['maintenance'],
  }),
  buildDoc({
    id: 'bike-3',
    title: 'Setting bicycle tire pressure',
    text: 'Tire pressure depends on rider weight and tire width; pump the tube to the pressure printed on the tire.',
    tags: ['tires'],
  }),
  buildDoc({
    id: 'bike-4',
    title: 'Adjusting bicycle gears',
    text: 'Turn the barrel adjuster until the bicycle chain shifts cleanly between gears without rubbing; check the tire is not rubbing either.',
    tags: ['maintenance'],
  }),
];
const CORPUS = [...BAKING, ...ASTRONOMY, ...CYCLING];
const topicOf = (id: string): string => id.split('-')[0]!;

function buildIndex(docs: readonly RelatedDocument[], k = 3): RelatedIndex {
  const index = new RelatedIndex({ k });
  for (const doc of docs) index.upsert(doc);
  return index;
}

const ids = (entries: readonly RelatedEntry[]): string[] => entries.map((entry) => entry.id);

/** Ids of the lists that differ between two snapshots of `lists()`. */
function differingLists(before: Map<string, RelatedEntry[]>, after: Map<string, RelatedEntry[]>): string[] {
  return [...after.keys()]
    .filter((id) => JSON.stringify(ids(before.get(id) ?? [])) !== JSON.stringify(ids(after.get(id)!)))
    .sort();
}

describe('RelatedIndex', () => {
  it('when k is not an integer from 1 to 10, then construction throws a RangeError', () => {
    for (const k of [0, 11, 2.5, Number.NaN]) expect(() => new RelatedIndex({ k })).toThrow(RangeError);
    expect(new RelatedIndex({ k: 10 }).k).toBe(10);
    expect(new RelatedIndex().k).toBe(3);
  });

  it('when a document is malformed, then upsert throws a TypeError and the index is unchanged', () => {
    const index = buildIndex(BAKING);
    expect(() => index.upsert({ ...buildDoc({ id: '' }) })).toThrow(TypeError);
    expect(() => index.upsert({ ...buildDoc({ id: 'x' }), tags: [1] as unknown as string[] })).toThrow(TypeError);
    expect(index.size).toBe(BAKING.length);
  });

  it('when posts of three topics are indexed, then each post is related to the posts of its own topic', () => {
    const index = buildIndex(CORPUS);

    for (const doc of CORPUS) {
      const related = index.related(doc.id);
      expect(related).toHaveLength(3);
      expect(related.map((entry) => topicOf(entry.id))).toEqual([topicOf(doc.id), topicOf(doc.id), topicOf(doc.id)]);
    }
  });

  it('when lists are read, then no post is related to itself, lists are best first and hold at most k posts', () => {
    const index = buildIndex(CORPUS, 5);

    for (const doc of CORPUS) {
      const related = index.related(doc.id);
      expect(related.length).toBeLessThanOrEqual(5);
      expect(ids(related)).not.toContain(doc.id);
      for (let i = 1; i < related.length; i++) expect(related[i - 1]!.score).toBeGreaterThanOrEqual(related[i]!.score);
    }
  });

  it("when two posts are in each other's lists, then both lists carry the same score (the similarity is symmetric)", () => {
    const index = buildIndex(CORPUS);
    let pairs = 0;
    for (const doc of CORPUS) {
      for (const entry of index.related(doc.id)) {
        const back = index.related(entry.id).find((other) => other.id === doc.id);
        if (back !== undefined) {
          expect(back.score).toBe(entry.score);
          pairs++;
        }
      }
    }
    expect(pairs).toBeGreaterThan(0);
  });

  it('when posts share no word at all, then they are not related', () => {
    const index = buildIndex([
      buildDoc({ id: 'a', title: 'sourdough starter' }),
      buildDoc({ id: 'b', title: 'jupiter telescope' }),
    ]);
    expect(index.related('a')).toEqual([]);
    expect(index.related('b')).toEqual([]);
  });

  it('when two posts share one title word but their bodies are about different things, then the post whose body agrees ranks first', () => {
    // "Letter" heads both a letter of recommendation and a cover letter. Uncapped, that one title
    // word outweighs a body written about the same thing (MAX_TITLE_TERM_CONTRIBUTION).
    const docs = [
      buildDoc({
        id: 'recommendation-letter',
        title: 'The letter',
        text: 'Ask a professor early and give them your transcript.',
      }),
      buildDoc({ id: 'cover-letter', title: 'Your letter', text: 'Name the company and the role in the first line.' }),
      buildDoc({
        id: 'faculty-references',
        title: 'Asking a professor',
        text: 'Give your professor a transcript a month ahead.',
      }),
      buildDoc({
        id: 'hiring-managers',
        title: 'The first line',
        text: 'A company reads the role and the first line.',
      }),
    ];
    const index = RelatedIndex.build(docs, { k: 1 });
    expect(index.related('recommendation-letter').map((e) => e.id)).toEqual(['faculty-references']);
    expect(index.related('cover-letter').map((e) => e.id)).toEqual(['hiring-managers']);
  });

  it('when scores tie, then the post with the smaller id ranks first', () => {
    const index = buildIndex([
      buildDoc({ id: 'query', title: 'telescope' }),
      buildDoc({ id: 'twin-b', title: 'telescope' }),
      buildDoc({ id: 'twin-a', title: 'telescope' }),
      buildDoc({ id: 'twin-c', title: 'telescope' }),
    ]);
    expect(ids(index.related('query'))).toEqual(['twin-a', 'twin-b', 'twin-c']);
  });

  it('when two candidates are equally close, then the one in the same category ranks first', () => {
    const index = buildIndex([
      buildDoc({ id: 'query', title: 'telescope', category: 'sky' }),
      buildDoc({ id: 'a-other', title: 'telescope', category: 'gear' }),
      buildDoc({ id: 'b-same', title: 'telescope', category: 'sky' }),
    ]);
    expect(ids(index.related('query'))).toEqual(['b-same', 'a-other']);
  });

  it('when a new post is upserted, then the update reports it and exactly the posts whose lists it entered', () => {
    const index = buildIndex(CORPUS);
    const before = index.lists();

    const update = index.upsert(
      buildDoc({
        id: 'bake-5',
        title: 'Baking sourdough bread',
        text: 'Sourdough bread dough, a lively starter and a hot dutch oven.',
      }),
    );

    const after = index.lists();
    expect([...update.changed.keys()].sort()).toEqual(
      [...new Set(['bake-5', ...differingLists(before, after)])].sort(),
    );
    expect(update.changed.get('bake-5')).toEqual(index.related('bake-5'));
    expect([...update.changed.keys()].every((id) => topicOf(id) === 'bake')).toBe(true);
    expect(update.changed.size).toBeGreaterThan(1);
  });

  it('when a post is removed, then it leaves every list, those lists are refilled and reported', () => {
    const index = buildIndex(CORPUS);
    const before = index.lists();
    const holders = CORPUS.filter((doc) => ids(index.related(doc.id)).includes('astro-2')).map((doc) => doc.id);

    const update = index.remove('astro-2');

    expect(index.has('astro-2')).toBe(false);
    expect(index.related('astro-2')).toEqual([]);
    for (const doc of CORPUS) expect(ids(index.related(doc.id))).not.toContain('astro-2');
    expect([...update.changed.keys()].sort()).toEqual(differingLists(before, index.lists()).sort());
    expect([...update.changed.keys()].sort()).toEqual(holders.sort());
    // Refilled: each list is again the best of what is left (an astronomy post may now have
    // only two other posts sharing its words).
    for (const id of holders) expect(index.related(id)).toEqual(index.rankFromScratch(id));
  });

  it('when a post is unpublished (removed) and published again, then its lists come back as they were', () => {
    const index = buildIndex(CORPUS);
    const before = index.lists();

    index.remove('bike-2');
    index.upsert(CYCLING[1]!);

    expect(index.lists()).toEqual(before);
  });

  it("when a post is edited into another topic, then it leaves the old topic's lists and joins the new one's", () => {
    const index = buildIndex(CORPUS);
    expect(topicOf(index.related('bike-1')[0]!.id)).toBe('bike');

    const update = index.upsert(
      buildDoc({
        id: 'bike-1',
        title: 'Sourdough bread for cyclists',
        text: 'Bake a sourdough loaf: starter, dough, dutch oven, bread.',
      }),
    );

    expect(ids(index.related('bike-1')).map(topicOf)).toEqual(['bake', 'bake', 'bake']);
    for (const doc of CYCLING) expect(ids(index.related(doc.id))).not.toContain('bike-1');
    expect(update.changed.has('bike-1')).toBe(true);
    expect([...update.changed.keys()].some((id) => topicOf(id) === 'bike' && id !== 'bike-1')).toBe(true);
  });

  it('when an upsert repeats what is stored (even with different markup-free whitespace), then nothing changes', () => {
    const index = buildIndex(CORPUS);
    const doc = ASTRONOMY[0]!;

    const update = index.upsert({ ...doc, text: `  ${doc.text.replace(/ /g, '  ')}\n` });

    expect(update.changed.size).toBe(0);
  });

  it('when lists were stored, then load() adopts them without ranking and reports only lists it had to redo', () => {
    const stored = RelatedIndex.build(CORPUS).lists();
    stored.set('bake-1', [{ id: 'gone', score: 0.9 }, ...stored.get('bake-1')!.slice(1)]);
    stored.delete('bike-4');

    const index = new RelatedIndex();
    const update = index.load(CORPUS, stored);

    expect([...update.changed.keys()].sort()).toEqual(['bake-1', 'bike-4']);
    expect(index.related('astro-1')).toEqual(stored.get('astro-1'));
    expect(index.lists()).toEqual(RelatedIndex.build(CORPUS).lists());
  });

  it('when posts keep arriving, changing and leaving, then every stored list equals a from-scratch ranking and every update reports exactly the lists that changed', () => {
    // Seeded pseudo-random operations over a small vocabulary, so that posts overlap a lot and
    // lists are refilled often; auto-rebuilds off, so only the incremental path runs.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
      return seed / 2 ** 32;
    };
    const words = Array.from(
      { length: 60 },
      (_, i) => `word${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}x`,
    );
    const pick = (): string => words[Math.floor(random() ** 2 * words.length)]!;
    const randomDoc = (id: string): RelatedDocument =>
      buildDoc({
        id,
        title: [pick(), pick(), pick()].join(' '),
        text: Array.from({ length: 20 }, pick).join(' '),
        tags: [pick()],
        category: random() < 0.3 ? `c${Math.floor(random() * 3)}` : null,
      });

    for (const k of [1, 3, 5]) {
      const index = new RelatedIndex({ k, rebuildWhileBelow: 0 });
      const live: string[] = [];
      for (let step = 0; step < 300; step++) {
        const before = index.lists();
        const roll = random();
        let update;
        let upserted: string | null = null;
        if (roll < 0.5 || live.length < 3) {
          upserted = `p${step}`;
          live.push(upserted);
          update = index.upsert(randomDoc(upserted));
        } else if (roll < 0.75) {
          upserted = live[Math.floor(random() * live.length)]!;
          update = index.upsert(randomDoc(upserted));
        } else {
          const [removed] = live.splice(Math.floor(random() * live.length), 1);
          update = index.remove(removed!);
        }
        const after = index.lists();
        const expected = new Set(differingLists(before, after));
        if (upserted !== null) expected.add(upserted);
        expect([...update.changed.keys()].sort()).toEqual([...expected].sort());
        for (const [id, list] of update.changed) expect(list).toEqual(after.get(id));
        if (step % 10 === 0 || step === 299) {
          for (const id of live) expect(index.related(id)).toEqual(index.rankFromScratch(id));
        }
      }
      expect(index.size).toBe(live.length);
    }
  });

  it('when the corpus grows by a quarter since the last full recompute, then rebuildRecommended turns true until rebuild()', () => {
    const index = RelatedIndex.build(CORPUS.slice(0, 8), { rebuildWhileBelow: 0 });
    expect(index.rebuildRecommended).toBe(false);

    for (const doc of CORPUS.slice(8)) index.upsert(doc);
    expect(index.rebuildRecommended).toBe(true);

    index.rebuild();
    expect(index.rebuildRecommended).toBe(false);
    expect(index.lists()).toEqual(RelatedIndex.build(CORPUS).lists());
  });

  it('when posts are upserted and removed, then postingsVisited counts the posting entries read, never going back', () => {
    const index = new RelatedIndex();
    expect(index.postingsVisited).toBe(0);
    index.upsert(CORPUS[0]!);
    const afterFirst = index.postingsVisited;
    index.upsert(CORPUS[1]!);
    const afterSecond = index.postingsVisited;
    expect(afterSecond).toBeGreaterThan(afterFirst);
    index.remove(CORPUS[0]!.id);
    expect(index.postingsVisited).toBeGreaterThanOrEqual(afterSecond);
  });
});
