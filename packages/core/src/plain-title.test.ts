import { plainTitle } from './plain-text';

describe('plainTitle', () => {
  it('when a title carries a script and inline markup, then both tags go and the script body with them', () => {
    expect(plainTitle("Resume tips <script>alert('title')</script> <b>bold</b>")).toBe('Resume tips bold');
  });

  it('when tags are nested or unclosed, then only their text is kept', () => {
    expect(plainTitle('<p><em>Re<strong>sume</strong></em> <a href="x">tips</a></p><style>p{}</style>')).toBe(
      'Resume tips',
    );
    expect(plainTitle('Interview <i>prep')).toBe('Interview prep');
    expect(plainTitle('Tips<br>Tricks')).toBe('Tips Tricks');
  });

  it('when entities are present, then they are decoded exactly once', () => {
    expect(plainTitle('R&amp;amp;D')).toBe('R&amp;D');
    expect(plainTitle('Fish &amp; chips &#8212; &eacute;t&eacute;')).toBe('Fish & chips — été');
  });

  it('when markup is escaped, then it is text: the characters stay (renderers escape them on output)', () => {
    expect(plainTitle('Use &lt;b&gt; for bold')).toBe('Use <b> for bold');
  });

  it('when the title is ordinary text, then it is unchanged apart from whitespace folding', () => {
    expect(plainTitle('  Q&A: 3 < 5,  a > b\n and AT&T ')).toBe('Q&A: 3 < 5, a > b and AT&T');
  });

  it('when only markup remains, then the result is empty (the caller refuses it)', () => {
    expect(plainTitle('<script>alert(1)</script><b> </b>')).toBe('');
  });

  it('when a character reference decodes to an XML-illegal character, then it is removed', () => {
    expect(plainTitle('a&#1;b')).toBe('ab');
  });
});
