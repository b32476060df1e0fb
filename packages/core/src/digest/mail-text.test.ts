import { codePointLength } from '../text';
import { MAX_SUBJECT_LENGTH, sanitizeHeaderText, wrapParagraph } from './mail-text';

describe('sanitizeHeaderText', () => {
  test.each([
    ['CR/LF injection', 'Hello\r\nBcc: victim@example.com', 'Hello Bcc: victim@example.com'],
    ['a lone LF', 'Hello\nX-Evil: 1', 'Hello X-Evil: 1'],
    ['C0 controls', 'A\u0000B\u0007C\u001bD', 'ABCD'],
    ['DEL and C1 controls, NEL', 'A\u007fB\u0085C\u009bD', 'A B C D'],
    ['line and paragraph separators', 'A\u2028B\u2029C', 'A B C'],
    ['tabs and runs of spaces', '  A\t\t B  ', 'A B'],
    ['a lone surrogate', 'A\ud800B', 'AB'],
  ])('when the text has %s, then none of it is left', (_name, input, expected) => {
    const subject = sanitizeHeaderText(input);

    expect(subject).toBe(expected);
    expect(subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  test('when the text is short enough, then it is kept whole', () => {
    const text = 'x'.repeat(MAX_SUBJECT_LENGTH);

    expect(sanitizeHeaderText(text)).toBe(text);
  });

  test('when the text is too long, then it is cut at a word boundary with an ellipsis', () => {
    const text = `${'word '.repeat(40)}end`;

    const subject = sanitizeHeaderText(text);

    expect(codePointLength(subject)).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(/^(word )+word…$/);
  });

  test('when a long text is one word of emoji, then no surrogate pair is split', () => {
    const subject = sanitizeHeaderText('😀'.repeat(200));

    expect(subject).toBe(`${'😀'.repeat(MAX_SUBJECT_LENGTH - 1)}…`);
    expect(subject).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  test('when the cut falls inside a two-code-point surrogate pair position, then the pair is dropped whole', () => {
    const subject = sanitizeHeaderText(`${'a'.repeat(148)}😀😀😀`);

    expect(subject).toBe(`${'a'.repeat(148)}😀…`);
  });
});

describe('wrapParagraph', () => {
  test('when a paragraph is long, then no line is longer than the width', () => {
    const lines = wrapParagraph('lorem ipsum dolor sit amet '.repeat(20), 72);

    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(codePointLength(line)).toBeLessThanOrEqual(72);
    expect(lines.join(' ')).toBe('lorem ipsum dolor sit amet '.repeat(20).trim());
  });

  test('when a paragraph holds a URL, then the URL gets a line of its own, unbroken', () => {
    const url = `https://careers.example.edu/${'very-long-path-segment/'.repeat(6)}`;

    const lines = wrapParagraph(`See ${url} for details`, 72);

    expect(lines).toEqual(['See', url, 'for details']);
  });

  test('when width is counted, then it counts code points, not UTF-16 units', () => {
    const lines = wrapParagraph('😀😀 😀😀', 5);

    expect(lines).toEqual(['😀😀 😀😀']);
  });
});
