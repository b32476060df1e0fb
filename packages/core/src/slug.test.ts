import { isValidSlug, MAX_SLUG_LENGTH, slugify, withSuffix } from './slug';
import { codePointLength } from './text';

describe('slugify', () => {
  it('when a Latin title has accents, then they are folded to plain letters', () => {
    expect(slugify('Crème brûlée')).toBe('creme-brulee');
    expect(slugify('Résumé Workshop: Café Edition!')).toBe('resume-workshop-cafe-edition');
  });

  it('when letters have no decomposition, then the fold map is applied', () => {
    expect(slugify('Straße')).toBe('strasse');
    expect(slugify('Æble Œuvre Ørsted')).toBe('aeble-oeuvre-orsted');
    expect(slugify('Đoàn Łódź Þór Ðá')).toBe('doan-lodz-thor-da');
  });

  it('when the title is Chinese, then the characters survive and spaces become dashes', () => {
    expect(slugify('履歷表 寫作')).toBe('履歷表-寫作');
  });

  it('when the title is Hindi, then vowel signs (combining marks) are kept', () => {
    const slug = slugify('नौकरी की तलाश');
    expect(slug).toBe('नौकरी-की-तलाश');
    expect(slug).toContain('\u094c'); // ौ
    expect(slug).toContain('\u0940'); // ी
  });

  it('when the title is Korean, then Hangul syllables are recomposed (NFC)', () => {
    const slug = slugify('한국어 이력서');
    expect(slug).toBe('한국어-이력서');
    expect(slug).toHaveLength(7);
  });

  it('when the title is Arabic, then the letters survive', () => {
    expect(slugify('البحث عن وظيفة')).toBe('البحث-عن-وظيفة');
  });

  it('when the title is Japanese with voiced kana, then the dakuten stay composed', () => {
    expect(slugify('ガイド です')).toBe('ガイド-です');
  });

  it('when the title is Cyrillic, then letters such as й and ё keep their marks', () => {
    expect(slugify('Чайник Ёлка')).toBe('чайник-ёлка');
  });

  it('when the title is Greek, then accents are folded like Latin ones', () => {
    expect(slugify('Καλημέρα')).toBe('καλημερα');
  });

  it('when the title has a dotted capital I, then it lowercases to a plain i', () => {
    expect(slugify('İstanbul')).toBe('istanbul');
  });

  it('when the title contains emoji (with skin tones, ZWJ, keycaps, variation selectors), then they are dropped', () => {
    expect(slugify('🎉 Career Fair 👩🏽‍💻 2024 ❤️')).toBe('career-fair-2024');
    expect(slugify('Top 1️⃣0️⃣ tips')).toBe('top-10-tips');
  });

  it('when runs of punctuation and whitespace separate words, then each run becomes one dash and edges are trimmed', () => {
    expect(slugify('  --Hello,   World!!--  ')).toBe('hello-world');
    expect(slugify('a/b\\c_d.e')).toBe('a-b-c-d-e');
  });

  it('when a word contains invisible format characters, then the word is not split', () => {
    expect(slugify('co\u00adoperate')).toBe('cooperate');
    expect(slugify('zero\u200bwidth')).toBe('zerowidth');
  });

  it('when compatibility characters are used, then they are normalised (NFKD)', () => {
    expect(slugify('ＦＵＬＬ ﬁnance')).toBe('full-finance');
  });

  it('when nothing but emoji and punctuation is given, then the result is empty', () => {
    expect(slugify('🎉🎉 !!! 🚀')).toBe('');
    expect(slugify('')).toBe('');
  });

  it('when a combining mark has no base letter, then it is dropped', () => {
    expect(slugify('\u0301abc')).toBe('abc');
    expect(slugify('🎉\u0903 x')).toBe('x');
  });

  it('when the slug is longer than maxLength, then it is cut without a trailing dash', () => {
    const slug = slugify('one two three four', 8);
    expect(slug).toBe('one-two');
    expect(slugify('a'.repeat(200))).toHaveLength(80);
  });

  it('when the cut falls inside a Devanagari cluster, then the whole cluster is dropped', () => {
    // "कि" is two code points (letter + vowel sign) forming one grapheme.
    const slug = slugify('कि'.repeat(10), 5);
    expect(slug).toBe('कि'.repeat(2));
    expect(codePointLength(slug)).toBe(4);
    // An 11-code-point cluster straddling the limit is dropped whole.
    expect(slugify(`abक${'\u093f'.repeat(10)}`, 3)).toBe('ab');
    expect(slugify(`abक${'\u093f'.repeat(10)}`, 13)).toBe(`abक${'\u093f'.repeat(10)}`);
  });

  it('when maxLength counts astral characters, then it is measured in code points', () => {
    const slug = slugify('𠀀'.repeat(10), 4);
    expect(slug).toBe('𠀀'.repeat(4));
    expect(slug).toHaveLength(8);
  });

  it('when a title is huge or has a very long run of combining marks, then the result is still right', () => {
    const marks = '\u0301'.repeat(50_000);
    const huge = 'Career fair — résumé tips! '.repeat(20_000);
    expect(slugify(`a${marks} й`)).toBe('a-й');
    // A single grapheme longer than the limit cannot be cut, so nothing is left.
    expect(slugify(`й${marks}`, 10)).toBe('');
    expect(slugify(huge)).toMatch(/^career-fair-resume-tips-/);
  });

  it('when maxLength is not a positive integer, then it throws', () => {
    expect(() => slugify('x', 0)).toThrow(RangeError);
    expect(() => slugify('x', 2.5)).toThrow(RangeError);
  });

  it('when given many different titles, then every non-empty result is a valid slug', () => {
    const titles = [
      'Crème brûlée',
      'İstanbul Straße Ærø',
      '履歷表 寫作',
      'नौकरी की तलाश',
      'Чайник ёлка',
      '1️⃣ ❤️ Résumé 👍🏽 Tips',
      'ǅemal ǈuba ﬁne',
      'ΣΊΣΥΦΟΣ',
      'Ω ℌ ① ㈱',
      '\u0301\u0302 x \u20dd y',
      'क़िला',
      'עברית ועוד',
      'ไทย ภาษา',
      'a'.repeat(300),
      'é'.repeat(300),
    ];
    for (const title of titles) {
      for (const max of [1, 3, 10, 80]) {
        const slug = slugify(title, max);
        expect(codePointLength(slug)).toBeLessThanOrEqual(max);
        if (slug !== '') expect([title, max, isValidSlug(slug)]).toEqual([title, max, true]);
      }
    }
  });
});

describe('isValidSlug', () => {
  it('when a slug is lowercase letters/digits joined by single dashes, then it is valid', () => {
    expect(isValidSlug('career-fair-2024')).toBe(true);
    expect(isValidSlug('履歷表-寫作')).toBe(true);
    expect(isValidSlug('नौकरी-की-तलाश')).toBe(true);
  });

  it('when a slug has uppercase letters, then it is invalid', () => {
    expect(isValidSlug('Career-fair')).toBe(false);
  });

  it('when a slug has leading, trailing or doubled dashes, then it is invalid', () => {
    expect(isValidSlug('-career')).toBe(false);
    expect(isValidSlug('career-')).toBe(false);
    expect(isValidSlug('career--fair')).toBe(false);
  });

  it('when a slug contains spaces, punctuation, emoji or controls, then it is invalid', () => {
    for (const bad of ['career fair', 'career_fair', 'a.b', 'a/b', 'fair🎉', 'a\u0000b', 'a\tb', '%20']) {
      expect(isValidSlug(bad)).toBe(false);
    }
  });

  it('when a slug is empty, then it is invalid', () => {
    expect(isValidSlug('')).toBe(false);
  });

  it('when a slug exceeds 200 code points, then it is invalid', () => {
    expect(isValidSlug('a'.repeat(MAX_SLUG_LENGTH))).toBe(true);
    expect(isValidSlug('a'.repeat(MAX_SLUG_LENGTH + 1))).toBe(false);
  });

  it('when a slug is not NFC, then it is invalid', () => {
    expect(isValidSlug('cafe\u0301')).toBe(false);
    expect(isValidSlug('caf\u00e9')).toBe(true);
  });

  it('when a segment starts with a combining mark, then it is invalid', () => {
    expect(isValidSlug('\u0301abc')).toBe(false);
    expect(isValidSlug('abc-\u093fx')).toBe(false);
  });
});

describe('withSuffix', () => {
  it('when the slug is short, then the suffix is appended', () => {
    expect(withSuffix('career-fair', 2)).toBe('career-fair-2');
  });

  it('when the result would exceed maxLength, then the base is shortened', () => {
    const result = withSuffix('a'.repeat(80), 12);
    expect(result).toBe(`${'a'.repeat(77)}-12`);
    expect(result).toHaveLength(80);
  });

  it('when shortening would leave a trailing dash on the base, then it is removed', () => {
    expect(withSuffix('abc-def', 3, 6)).toBe('abc-3');
  });

  it('when shortening would split a grapheme cluster, then the whole cluster goes', () => {
    expect(withSuffix('कि'.repeat(5), 2, 7)).toBe(`${'कि'.repeat(2)}-2`);
  });

  it('when the suffix number is not a positive integer or the slug is empty, then it throws', () => {
    expect(() => withSuffix('x', 0)).toThrow(RangeError);
    expect(() => withSuffix('x', 1.5)).toThrow(RangeError);
    expect(() => withSuffix('', 2)).toThrow(RangeError);
  });

  it('when maxLength leaves no room for the base, then it throws', () => {
    expect(() => withSuffix('career', 100, 4)).toThrow(RangeError);
  });
});
