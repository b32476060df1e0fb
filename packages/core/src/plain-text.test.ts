import fc from 'fast-check';
import { countWords, excerptFromPlainText, htmlToPlainText, makeExcerpt } from './plain-text';
import { codePointLength } from './text';

describe('htmlToPlainText', () => {
  it('when paragraphs and headings follow each other, then they are separated by one blank line', () => {
    expect(htmlToPlainText('<h2>Title</h2><p>First paragraph.</p><p>Second.</p>')).toBe(
      'Title\n\nFirst paragraph.\n\nSecond.',
    );
  });

  it('when entities are used, then they are decoded', () => {
    expect(htmlToPlainText('<p>Fish &amp; chips &lt;3 &quot;q&quot; &#8212; &eacute;t&eacute; &#x1F389;</p>')).toBe(
      'Fish & chips <3 "q" — été 🎉',
    );
  });

  it('when whitespace inside a block includes newlines and indentation, then it collapses to single spaces', () => {
    expect(htmlToPlainText('<p>\n    Hello\n\n   <b>big</b>\t  world   \n</p>')).toBe('Hello big world');
  });

  it('when inline elements touch without whitespace, then no space is invented', () => {
    expect(htmlToPlainText('<p><em>Re</em><strong>sume</strong>, then<a href="#">link</a>.</p>')).toBe(
      'Resume, thenlink.',
    );
  });

  it('when <br> is used, then it breaks the line, and several in a row give at most one blank line', () => {
    expect(htmlToPlainText('<p>one<br>two<br/><br><br><br>three</p>')).toBe('one\ntwo\n\nthree');
  });

  it('when block elements have leading or trailing <br>, then no stray blank lines appear', () => {
    expect(htmlToPlainText('<br><br><p>a<br></p><br><p>b</p><br>')).toBe('a\n\nb');
  });

  it('when a list is given, then each item is on its own line and a nested list stays attached', () => {
    expect(htmlToPlainText('<p>Intro</p><ul><li>One<ul><li>Nested</li></ul></li><li>Two</li></ul><p>Outro</p>')).toBe(
      'Intro\n\nOne\nNested\nTwo\n\nOutro',
    );
  });

  it('when divs are nested, then each starts a new line without blank lines', () => {
    expect(htmlToPlainText('<div>a<div>b</div>c</div><div>d</div>')).toBe('a\nb\nc\nd');
  });

  it('when a table is given, then rows are lines and cells are separated by spaces', () => {
    expect(htmlToPlainText('<table><tr><th>Day</th><th>Time</th></tr><tr><td>Mon</td><td>9–5</td></tr></table>')).toBe(
      'Day Time\nMon 9–5',
    );
  });

  it('when a blockquote, figure and hr are given, then they are separated like paragraphs', () => {
    expect(
      htmlToPlainText(
        '<p>a</p><blockquote>quoted</blockquote><figure><img src="x"><figcaption>cap</figcaption></figure><hr><p>b</p>',
      ),
    ).toBe('a\n\nquoted\n\ncap\n\nb');
  });

  it('when a <pre> block is given, then its line breaks and indentation are preserved', () => {
    expect(htmlToPlainText('<p>Code:</p><pre><code>\ndef f():\n    return 1\n</code></pre><p>done</p>')).toBe(
      'Code:\n\ndef f():\n    return 1\n\ndone',
    );
  });

  it('when script, style, template and noscript are present, then their content is ignored', () => {
    expect(
      htmlToPlainText(
        '<p>a</p><script>var x = "<p>no</p>";</script><style>p { color: red }</style><template><p>t</p></template><noscript>ns</noscript><svg><text>s</text></svg><p>b</p>',
      ),
    ).toBe('a\n\nb');
  });

  it('when markup is malformed or unclosed, then the text is still extracted', () => {
    expect(htmlToPlainText('<p>one <b>two <i>three</p><p>four')).toBe('one two three\n\nfour');
  });

  it('when comments are present, then they are ignored', () => {
    expect(htmlToPlainText('<p>a<!-- hidden -->b</p>')).toBe('ab');
  });

  it('when NBSP is used, then it is kept (HTML only collapses ASCII whitespace)', () => {
    expect(htmlToPlainText('<p>10&nbsp;km</p>')).toBe('10\u00a0km');
  });

  it('when entities decode to XML-illegal characters, then those are removed', () => {
    expect(htmlToPlainText('<p>a&#1;b&#xB;c</p>')).toBe('abc');
  });

  it('when a <pre> holds a very long run of spaces, then line ends are trimmed (a quadratic regex would hit the test timeout)', () => {
    const spaces = ' '.repeat(200_000);
    expect(htmlToPlainText(`<pre>a${spaces}b${spaces}\nc</pre>`)).toBe(`a${spaces}b\nc`);
  });

  it('when the input is plain text or empty, then it is returned trimmed', () => {
    expect(htmlToPlainText('  just text  ')).toBe('just text');
    expect(htmlToPlainText('')).toBe('');
  });
});

describe('makeExcerpt', () => {
  it('when the text fits, then it is returned with whitespace collapsed and no ellipsis', () => {
    expect(makeExcerpt('  Hello \n\n  world\t! ')).toBe('Hello world !');
    expect(makeExcerpt('a'.repeat(240))).toBe('a'.repeat(240));
  });

  it('when English text is too long, then it is cut at a word boundary and gets an ellipsis', () => {
    const excerpt = makeExcerpt('The spring career fair brings employers to campus every year', 30);
    expect(excerpt).toBe('The spring career fair brings…');
    expect(codePointLength(excerpt)).toBeLessThanOrEqual(30);
  });

  it('when the cut lands after a comma, semicolon or colon, then the punctuation is dropped', () => {
    expect(makeExcerpt('Bring these: résumé, cover letter; and questions for employers', 21)).toBe(
      'Bring these: résumé…',
    );
    expect(makeExcerpt('Bring these: résumé, cover letter', 14)).toBe('Bring these…');
    expect(makeExcerpt('Remember (always) to follow up', 12)).toBe('Remember…');
  });

  it('when Chinese text without spaces is too long, then it is cut between words', () => {
    const text = '履歷表寫作是求職的第一步。'.repeat(5);
    const excerpt = makeExcerpt(text, 10);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(codePointLength(excerpt)).toBeLessThanOrEqual(10);
    // Word segments: 履歷表|寫作|是|求職|的|第|一步|。 — a cut at 9 falls after 的.
    expect(excerpt).toBe('履歷表寫作是求職的…');
  });

  it('when emoji with modifiers surround the cut, then no surrogate pair or grapheme is split', () => {
    const text = `Congrats ${'👩🏽‍💻'.repeat(40)} graduates`;
    for (let max = 5; max < 40; max++) {
      const excerpt = makeExcerpt(text, max);
      expect(codePointLength(excerpt)).toBeLessThanOrEqual(max);
      expect(excerpt.replace(/👩🏽‍💻/g, '')).not.toMatch(/[\ud800-\udfff\u200d]|\u{1F3FD}/u);
    }
  });

  it('when a single word is longer than the limit, then it is cut at a grapheme boundary', () => {
    const excerpt = makeExcerpt('Donaudampfschifffahrtsgesellschaftskapitän', 20);
    expect(excerpt).toBe('Donaudampfschifffah…');
    const hindi = makeExcerpt('कि'.repeat(20), 6);
    expect(hindi).toBe(`${'कि'.repeat(2)}…`);
  });

  it('when the text has astral characters, then the limit is counted in code points', () => {
    const text = '𠀀'.repeat(30);
    const excerpt = makeExcerpt(text, 10);
    expect(codePointLength(excerpt)).toBeLessThanOrEqual(10);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  it('when the default limit is used on a long post, then the excerpt is at most 240 code points', () => {
    const excerpt = makeExcerpt('word '.repeat(10_000));
    expect(codePointLength(excerpt)).toBeLessThanOrEqual(240);
    expect(excerpt).toMatch(/^(word )+word…$/);
  });

  it('when maxChars is not a positive integer, then it throws', () => {
    expect(() => makeExcerpt('x', 0)).toThrow(RangeError);
    expect(() => makeExcerpt('x', 1.5)).toThrow(RangeError);
  });
});

describe('countWords', () => {
  it('when English text has punctuation, then only words are counted', () => {
    expect(countWords("Hello, world! Don't panic — it's 2024.")).toBe(6);
  });

  it('when Chinese text has no spaces, then its words are counted', () => {
    // 履歷表|寫作|是|求職|的|第|一步 (the full stop is not a word)
    expect(countWords('履歷表寫作是求職的第一步。')).toBe(7);
  });

  it('when text is empty, whitespace or only punctuation and emoji, then the count is zero', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('  \n ')).toBe(0);
    expect(countWords('... !!! 🎉 —')).toBe(0);
  });

  it('when mixed scripts are given, then words from each are counted', () => {
    expect(countWords('Career fair 就業博覽會 नौकरी मेला')).toBe(2 + countWords('就業博覽會') + 2);
    expect(countWords('就業博覽會')).toBeGreaterThan(0);
  });
});

describe('countWords agrees with plain Intl.Segmenter counting', () => {
  const reference = new Intl.Segmenter('en', { granularity: 'word' });
  const referenceCount = (text: string): number =>
    [...reference.segment(text)].filter((segment) => segment.isWordLike === true).length;

  // Small deterministic PRNG (mulberry32) so failures are reproducible.
  function prng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PIECES = [
    'a',
    'Z',
    'é',
    'ß',
    'ɏ',
    '1',
    '0',
    '_',
    "'",
    '’',
    '‘',
    '“',
    '”',
    '"',
    '.',
    ',',
    ':',
    ';',
    '!',
    '?',
    '(',
    ')',
    '[',
    ']',
    '-',
    '/',
    '&',
    '#',
    '@',
    '×',
    ' ',
    ' ',
    ' ',
    '\n',
    '\t',
    '\u00a0',
    '\u2009',
    '\u3000',
    '\ufeff',
    '\u0301',
    '\u200d',
    '履',
    '歷',
    '表',
    'ก',
    'ข',
    'ש',
    'ا',
    '🎉',
    '🇫🇷',
    'ª',
    '—',
    '…',
    '«',
    '»',
    '•',
    '·',
    '\u00ad',
    '\u203f',
    '¸',
    '²',
    '٣',
    ';',
  ];

  it('when given thousands of random mixed-script strings, then the fast path never changes the count', () => {
    const random = prng(20240501);
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const length = 1 + Math.floor(random() * 16);
      for (let j = 0; j < length; j++) text += PIECES[Math.floor(random() * PIECES.length)] ?? '';
      expect([text, countWords(text)]).toEqual([text, referenceCount(text)]);
    }
  });

  it('when given short ASCII-heavy tokens, then the fast path agrees with the segmenter', () => {
    const random = prng(7);
    const ascii = ['a', 'b', 'é', '1', '2', '_', "'", '’', '.', ',', ':', ';', '(', ')', '"', '!', '?', '-', ' '];
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const length = 1 + Math.floor(random() * 8);
      for (let j = 0; j < length; j++) text += ascii[Math.floor(random() * ascii.length)] ?? '';
      expect([text, countWords(text)]).toEqual([text, referenceCount(text)]);
    }
  });

  it('when given tokens that sit on word-break rule edges, then each count matches the segmenter', () => {
    const tokens = [
      '9:30',
      '1;2',
      'a.1',
      '1.a',
      'a,b',
      '1,000.50',
      'e.g.',
      '(e.g.)',
      "don't",
      "1's",
      "'90s",
      'U.S.A.',
      'a:b',
      'foo_bar',
      '_x',
      'x_',
      '__',
      'a‘b',
      '3.14.15',
      'a..b',
      '1..2',
      '“quoted”',
      "rock'n'roll",
      "l'été",
      'naïve',
      'résumé’s',
      'x.’y',
      '«Bonjour»',
      '—',
      'a—b',
      '…',
      'co\u00adop',
      'a\ufeffb',
    ];
    for (const token of tokens) {
      expect([token, countWords(token)]).toEqual([token, referenceCount(token)]);
    }
  });

  it('when given realistic English prose, then the count matches the segmenter', () => {
    const prose =
      "Don't miss the 2024 Career Fair (Oct. 3rd, 10:00–14:00)! Bring résumés, e.g. 5 copies; “dress-code”: business casual. Questions? Email careers@example.edu — we’re happy to help. Ünïcödé_names and snake_case_ids count too.";
    expect(countWords(prose)).toBe(referenceCount(prose));
    expect(countWords(prose)).toBeGreaterThan(30);
  });
});

describe('makeExcerpt on long inputs', () => {
  it('when a long text starts with a huge whitespace run, then the excerpt is the same as for the trimmed text', () => {
    const body = 'Networking events help students meet alumni. '.repeat(50);
    const padded = `${' \n'.repeat(5000)}${body}`;
    expect(makeExcerpt(padded, 60)).toBe(makeExcerpt(body, 60));
    expect(makeExcerpt(padded, 60)).toBe('Networking events help students meet alumni. Networking…');
  });

  it('when a text is mostly whitespace but short once collapsed, then it is returned whole', () => {
    const sparse = `a${' '.repeat(3000)}b${'\n'.repeat(3000)}c`;
    expect(makeExcerpt(sparse, 10)).toBe('a b c');
  });

  it('when the text is exactly maxChars long after collapsing, then it is not cut', () => {
    const exact = `${'x'.repeat(5)}   ${'y'.repeat(4)}`; // collapses to 10 code points
    expect(makeExcerpt(exact, 10)).toBe('xxxxx yyyy');
    expect(makeExcerpt(exact, 9)).toBe('xxxxx…');
  });
});

describe('excerptFromPlainText', () => {
  it('when a heading and list items follow each other, then they do not run together into one sentence', () => {
    const text = htmlToPlainText(
      '<h2>What to bring</h2><ul><li>A printed résumé</li><li>The job posting</li></ul><p>Arrive early. Dress well!</p>',
    );
    expect(excerptFromPlainText(text)).toBe(
      'What to bring · A printed résumé · The job posting · Arrive early. Dress well!',
    );
  });

  it('when blocks end in punctuation (any script), then a plain space joins them', () => {
    expect(excerptFromPlainText('Bring this:\nA pen.\n\n「履歷」。\nNext')).toBe('Bring this: A pen. 「履歷」。 Next');
  });

  it('when the text is long, then the excerpt is cut like any other, at most maxChars code points', () => {
    const excerpt = excerptFromPlainText(`Heading\n\n${'word '.repeat(500)}`, 50);
    expect(codePointLength(excerpt)).toBeLessThanOrEqual(50);
    expect(excerpt.startsWith('Heading · word word')).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  // The whole text split into blocks first, as excerpts were derived before they stopped reading
  // past the cut: the stored excerpts must not change.
  function wholeTextExcerpt(text: string, maxChars: number): string {
    const blocks = text
      .split(/\n+/)
      .map((block) => block.replace(/\s+/g, ' ').trim())
      .filter((block) => block !== '');
    let joined = '';
    for (const block of blocks) {
      if (joined !== '') joined += /[.!?:;…。！？：；،؛؟।]["'”’»)\]]*$/u.test(joined) ? ' ' : ' · ';
      joined += block;
      if (joined.length > maxChars * 4) break;
    }
    return makeExcerpt(joined, maxChars);
  }

  it('when any text is excerpted, then it is what splitting the whole text into blocks first gives', () => {
    const piece = fc.constantFrom(
      'word',
      'A',
      '1',
      '.',
      '!',
      ':',
      '"',
      '”',
      ')',
      ' ',
      '\n',
      '\n\n',
      '\t',
      '\u00a0',
      '。',
      '😀',
      '·',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 300 }), fc.integer({ min: 1, max: 120 }), (pieces, maxChars) => {
        const text = pieces.join('');
        expect(excerptFromPlainText(text, maxChars)).toBe(wholeTextExcerpt(text, maxChars));
      }),
      { numRuns: 2000 },
    );
  });
});
