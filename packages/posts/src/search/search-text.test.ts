import { MAX_SEARCH_TERMS, toFts5Match, toSearchTerms } from './search-terms';
import { buildSnippet, highlightText } from './snippet';

describe('toSearchTerms', () => {
  test('when the query holds search syntax, then only its words remain', () => {
    expect(toSearchTerms('"resume" OR title:intern* NEAR(a b) -cover (letter)')).toEqual([
      'resume',
      'title',
      'intern',
      'near',
      'b',
      'cover',
      'letter',
    ]);
  });

  test('when filler words come with real ones, then only the real ones are kept; alone, they are kept', () => {
    expect(toSearchTerms('How to write a Resume')).toEqual(['write', 'resume']);
    expect(toSearchTerms('the who')).toEqual(['the', 'who']);
  });

  test('when the query is SQL, control characters or nothing, then no syntax survives', () => {
    expect(toSearchTerms("'; DROP TABLE posts; --")).toEqual(['drop', 'table', 'posts']);
    expect(toSearchTerms('\u0000\u0007\u001b[31m')).toEqual(['31m']);
    expect(toSearchTerms('  ')).toEqual([]);
    expect(toSearchTerms('*** ::: """')).toEqual([]);
  });

  test('when words repeat or there are many, then each counts once and at most the first few are used', () => {
    expect(toSearchTerms('Fair fair FAIR')).toEqual(['fair']);
    expect(toSearchTerms('w1 w2 w3 w4 w5 w6 w7 w8 w9 w10')).toHaveLength(MAX_SEARCH_TERMS);
  });

  test('when an accent is typed as a combining mark, then the word is normalized to one form', () => {
    expect(toSearchTerms('re\u0301sume\u0301')).toEqual(['résumé']);
  });

  test('FTS5 match text quotes every term', () => {
    expect(toFts5Match(['near', 'and'])).toBe('"near" "and"');
  });
});

describe('snippets', () => {
  test('when the text holds markup, then it is escaped and only the matches are marked', () => {
    expect(highlightText('<b>Interviews</b> & "offers"', ['interview'])).toBe(
      '&lt;b&gt;<mark>Interviews</mark>&lt;/b&gt; &amp; &quot;offers&quot;',
    );
  });

  test('when the match is far into the text, then the snippet starts shortly before it and is cut with an ellipsis', () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    words[60] = 'Résumé';
    const snippet = buildSnippet(words.join(' '), ['resume'], 20);
    expect(snippet.startsWith('… w55 ')).toBe(true);
    expect(snippet).toContain('<mark>Résumé</mark>');
    expect(snippet.endsWith(' …')).toBe(true);
  });

  test('when nothing in the text matches, then the snippet is its beginning', () => {
    expect(buildSnippet('Short body text.', ['title'])).toBe('Short body text.');
    expect(buildSnippet('', ['x'])).toBe('');
  });

  test('when the text holds control characters, then they are dropped', () => {
    expect(buildSnippet('a\u0000b\u0007 fair', ['fair'])).toBe('ab <mark>fair</mark>');
  });
});

describe('snippets of long bodies', () => {
  test('when the match is deep in a long body, then the snippet is around it, cut on both sides', () => {
    const filler = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
    const body = `${filler(400, 'alpha')} Bring your resume to the fair. ${filler(400, 'omega')}`;
    const snippet = buildSnippet(body, ['resume', 'fair'], 12);
    expect(snippet.startsWith('… ')).toBe(true);
    expect(snippet.endsWith(' …')).toBe(true);
    expect(snippet).toContain('Bring your <mark>resume</mark> to the <mark>fair</mark>.');
    expect(snippet.split(' ').length).toBeLessThan(20);
  });
});
