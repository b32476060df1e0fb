import { SINGLE_GRAPHEME_CHARS, graphemeCount } from './text-fit';

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
