import { type Gauge, SINGLE_GRAPHEME_CHARS, graphemeCount, shortenToFit } from './text-fit';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const segments = (s: string): string[] => Array.from(segmenter.segment(s), (g) => g.segment);

describe('SINGLE_GRAPHEME_CHARS', () => {
  it('when a code point of the set meets any other of the set, then Intl.Segmenter never joins them', () => {
    const members: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      const ch = String.fromCharCode(cp);
      if (SINGLE_GRAPHEME_CHARS.test(ch)) members.push(ch);
    }
    // Joining needs one side to be Extend, SpacingMark, ZWJ, Prepend, CR, a regional indicator or
    // Hangul; each of those joins with a letter or with itself, so checking every member next to
    // 'a', 'é' and itself, in both orders, finds any of them.
    for (const ch of members) {
      for (const other of ['a', 'é', ch]) {
        expect(segments(`${ch}${other}`)).toEqual([ch, other]);
        expect(segments(`${other}${ch}`)).toEqual([other, ch]);
      }
    }
    expect(members.length).toBeGreaterThan(700);
  });

  it('when text is outside the set, then graphemeCount still counts grapheme clusters', () => {
    expect(graphemeCount('résumé — “quoted” …')).toBe(19);
    expect(graphemeCount('e\u0301\r\n👩‍💻🇯🇵')).toBe(4);
  });
});

describe('shortenToFit', () => {
  const text = 'Recruiters skim 👩‍💻 résumés — see https://example.com/a_(b) and 就職活動の始め方 '.repeat(8);
  const limit = 150;
  const count = (piece: string): number => graphemeCount(`Title\n\n${piece}\n\nhttps://x.example/p`);
  const fits = (piece: string): boolean => count(piece) <= limit;
  const gauge = (cost: Gauge['cost']): Gauge => ({ measure: (piece) => [count(piece)], limits: [limit], cost });

  it('when the gauge estimates well, then the cut is the one the exact search finds', () => {
    const exact = shortenToFit(text, fits);

    expect(
      shortenToFit(
        text,
        fits,
        gauge((unit, isUrl) => [isUrl ? graphemeCount(unit) : 1]),
      ),
    ).toBe(exact);
    expect(exact).toMatch(/…$/);
  });

  it.each([
    ['counts nothing', () => [0]],
    ['counts far too much', () => [50]],
    ['is off by one grapheme', (unit: string) => [graphemeCount(unit) + 1]],
  ])(
    'when the gauge %s, then the real counts overrule it and the cut is still the one the exact search finds',
    (_name, cost) => {
      expect(shortenToFit(text, fits, gauge(cost))).toBe(shortenToFit(text, fits));
    },
  );
});
