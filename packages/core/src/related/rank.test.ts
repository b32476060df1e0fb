import { rankAll, rankRelated, tagsOnlyBaseline, tfidfBaseline } from './rank';
import { type RelatedDocument, RelatedIndex } from './related-index';

function buildDoc(overrides: Partial<RelatedDocument> & { id: string }): RelatedDocument {
  return { title: '', text: '', tags: [], category: null, ...overrides };
}

const DOCS = [
  buildDoc({ id: 'a', title: 'Telescope basics', text: 'A small telescope shows planets.', tags: ['gear', 'planets'] }),
  buildDoc({
    id: 'b',
    title: 'Planets tonight',
    text: 'Jupiter and Saturn are planets visible tonight.',
    tags: ['planets'],
  }),
  buildDoc({
    id: 'c',
    title: 'Choosing a telescope',
    text: 'Refractor or reflector telescope for planets.',
    tags: ['gear'],
  }),
  buildDoc({ id: 'd', title: 'Sourdough starter', text: 'Feed the starter flour and water.', tags: ['bread'] }),
];

describe('rankRelated', () => {
  it('when the candidates include the post itself, then it is never returned', () => {
    const related = rankRelated(DOCS[0]!, DOCS, 3);
    expect(related.map((entry) => entry.id)).not.toContain('a');
    expect(related.map((entry) => entry.id).sort()).toEqual(['b', 'c']);
  });

  it('when k is outside 1..10, then it throws a RangeError', () => {
    expect(() => rankRelated(DOCS[0]!, DOCS, 0)).toThrow(RangeError);
    expect(() => rankAll(DOCS, 11)).toThrow(RangeError);
  });
});

describe('rankAll', () => {
  it('when given a corpus, then it returns the lists a freshly built index holds, for every post', () => {
    const lists = rankAll(DOCS, 2);
    expect([...lists.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(lists).toEqual(RelatedIndex.build(DOCS, { k: 2 }).lists());
    expect(lists.get('d')).toEqual([]);
  });

  it('when the same posts come in another order, then the lists are the same', () => {
    expect(rankAll([...DOCS].reverse())).toEqual(rankAll(DOCS));
  });
});

describe('tagsOnlyBaseline', () => {
  it('when posts share tags, then they rank by the number of shared tags, ties by id, unrelated posts left out', () => {
    const lists = tagsOnlyBaseline(DOCS, 3);
    expect(lists.get('a')).toEqual([
      { id: 'b', score: 1 },
      { id: 'c', score: 1 },
    ]);
    expect(lists.get('d')).toEqual([]);
  });
});

describe('tfidfBaseline', () => {
  it('when posts share words, then the one sharing the rarer words ranks first', () => {
    const lists = tfidfBaseline(DOCS, 1);
    expect(lists.get('c')!.map((entry) => entry.id)).toEqual(['a']);
    expect(lists.get('d')).toEqual([]);
  });
});
