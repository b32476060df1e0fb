import {
  cleanLine,
  cleanText,
  codePointLength,
  findIllegalCharacter,
  findIllegalIdentifierCharacter,
  isCleanIdentifierText,
  stripIllegalXmlChars,
} from './text';

const GRINNING = '\ud83d\ude00';

describe('stripIllegalXmlChars', () => {
  it('when a valid surrogate pair (emoji) is present, then it is kept intact', () => {
    expect(stripIllegalXmlChars(`a${GRINNING}b`)).toBe(`a${GRINNING}b`);
  });

  it('when a high surrogate stands alone, then it is removed', () => {
    expect(stripIllegalXmlChars('a\ud83db')).toBe('ab');
    expect(stripIllegalXmlChars('end\ud83d')).toBe('end');
  });

  it('when a low surrogate stands alone, then it is removed', () => {
    expect(stripIllegalXmlChars('a\ude00b')).toBe('ab');
    expect(stripIllegalXmlChars('\ude00start')).toBe('start');
  });

  it('when surrogates are reversed or doubled, then only the unpaired halves are removed', () => {
    expect(stripIllegalXmlChars('\ude00\ud83d')).toBe('');
    expect(stripIllegalXmlChars(`\ud83d${GRINNING}`)).toBe(GRINNING);
    expect(stripIllegalXmlChars(`${GRINNING}\ude00`)).toBe(GRINNING);
  });

  it('when C0 controls other than tab/LF/CR are present, then each is removed', () => {
    const controls = [0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0xb, 0xc, 0xe, 0x1f];
    for (const cp of controls) {
      expect(stripIllegalXmlChars(`a${String.fromCharCode(cp)}b`)).toBe('ab');
    }
  });

  it('when tab, newline and carriage return are present, then they are kept', () => {
    expect(stripIllegalXmlChars('a\tb\nc\rd')).toBe('a\tb\nc\rd');
  });

  it('when U+FFFE or U+FFFF is present, then it is removed', () => {
    expect(stripIllegalXmlChars('a\ufffeb\uffffc')).toBe('abc');
  });

  it('when characters at the edges of the legal ranges are present, then they are kept', () => {
    const legal = ' \ud7ff\ue000\ufffd\u{10000}\u{10ffff}\u0085\u00a0';
    expect(stripIllegalXmlChars(legal)).toBe(legal);
  });

  it('when the input is large and clean, then it is returned unchanged', () => {
    const big = `Career fair ${GRINNING} — résumé tips.\n`.repeat(50_000);
    expect(stripIllegalXmlChars(big)).toBe(big);
  });
});

describe('cleanText', () => {
  it('when text is decomposed (NFD), then it is composed to NFC', () => {
    const decomposed = 'Cre\u0300me bru\u0302le\u0301e';
    expect(cleanText(decomposed)).toBe('Crème brûlée');
    expect(cleanText(decomposed)).toHaveLength('Crème brûlée'.length);
  });

  it('when text contains illegal characters, then they are removed and newlines kept', () => {
    expect(cleanText('Line one\u0000\nLine\ud800 two')).toBe('Line one\nLine two');
  });
});

describe('cleanLine', () => {
  it('when a title contains newlines, NBSP, tabs and line/paragraph separators, then each run becomes one space', () => {
    expect(cleanLine('  Spring\u00a0\u00a0Career\r\n\tFair\u2028and\u2029Expo\u0085Day  ')).toBe(
      'Spring Career Fair and Expo Day',
    );
  });

  it('when a name is decomposed and contains controls, then it is composed and cleaned', () => {
    expect(cleanLine('Jose\u0301\u0007  Pen\u0303a')).toBe('Jos\u00e9 Pe\u00f1a');
  });

  it('when the line is only whitespace, then the result is empty', () => {
    expect(cleanLine(' \n\t\u3000 ')).toBe('');
  });
});

describe('findIllegalCharacter', () => {
  it('when text is clean (including tab/newline and emoji), then it returns null', () => {
    expect(findIllegalCharacter(`Hello\tworld\n${GRINNING} ok`)).toBeNull();
  });

  it('when a C0 control is present, then its index and code point are reported', () => {
    expect(findIllegalCharacter('abc\u0007def')).toEqual({ index: 3, codePoint: 7 });
  });

  it('when DEL or a C1 control is present, then it is reported', () => {
    expect(findIllegalCharacter('a\u007fb')).toEqual({ index: 1, codePoint: 0x7f });
    expect(findIllegalCharacter('ab\u0085')).toEqual({ index: 2, codePoint: 0x85 });
    expect(findIllegalCharacter('\u009f')).toEqual({ index: 0, codePoint: 0x9f });
  });

  it('when a lone surrogate follows a valid pair, then the lone one is reported', () => {
    expect(findIllegalCharacter(`${GRINNING}x\ude00`)).toEqual({ index: 3, codePoint: 0xde00 });
  });

  it('when U+FFFF is present, then it is reported', () => {
    expect(findIllegalCharacter('ok\uffff')).toEqual({ index: 2, codePoint: 0xffff });
  });

  it('when several problems exist, then the first one is reported', () => {
    expect(findIllegalCharacter('a\ud800b\u0001')?.index).toBe(1);
  });
});

describe('identifier checks', () => {
  it('when an identifier contains tab, CR or LF, then it is rejected by the strict variant only', () => {
    for (const ws of ['\t', '\r', '\n']) {
      expect(isCleanIdentifierText(`abc${ws}def`)).toBe(false);
      expect(findIllegalIdentifierCharacter(`abc${ws}def`)).toEqual({ index: 3, codePoint: ws.charCodeAt(0) });
      expect(findIllegalCharacter(`abc${ws}def`)).toBeNull();
    }
  });

  it('when an identifier contains DEL, C1, NUL, a lone surrogate or U+FFFE, then it is rejected', () => {
    for (const bad of ['\u007f', '\u0080', '\u009f', '\u0000', '\ud83d', '\ude00', '\ufffe']) {
      expect(isCleanIdentifierText(`id${bad}`)).toBe(false);
    }
  });

  it('when an identifier is ordinary Unicode text with emoji, then it is accepted', () => {
    expect(isCleanIdentifierText(`résumé-履歷表-${GRINNING}`)).toBe(true);
    expect(findIllegalIdentifierCharacter('career-fair-2024')).toBeNull();
  });
});

describe('codePointLength', () => {
  it('when text has astral characters, then each counts once', () => {
    expect(codePointLength(`a${GRINNING}b`)).toBe(3);
    expect(`a${GRINNING}b`).toHaveLength(4);
  });

  it('when text has lone surrogates, then each counts once', () => {
    expect(codePointLength('\ud83d\ud83d\ude00\ude00')).toBe(3);
  });
});
