import { autoParagraphs, cleanWordPressMarkup, expandShortcodes } from './markup';
import { slugOf, wordpressDate } from './mapping';

describe('cleanWordPressMarkup', () => {
  test('when a body has block-editor comments, including self-closing ones, then they are removed and the HTML kept', () => {
    const html =
      '<!-- wp:paragraph {"align":"center"} -->\n<p class="has-text-align-center">Hi</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:separator /-->\n\n<!-- wp:latest-posts {"postsToShow":3} /-->';
    expect(cleanWordPressMarkup(html)).toBe('<p class="has-text-align-center">Hi</p>');
  });

  test('when a body has an ordinary HTML comment, then it is left for the sanitizer', () => {
    expect(cleanWordPressMarkup('<p>a</p><!-- note -->')).toBe('<p>a</p><!-- note -->');
  });
});

describe('expandShortcodes', () => {
  test('when a caption wraps a linked image, then it becomes a figure with the link and a figcaption', () => {
    expect(
      expandShortcodes(
        '[caption id="attachment_5" align="alignleft" width="300"]<a href="/big.jpg"><img src="/s.jpg" alt="" /></a> The <em>team</em>[/caption]',
      ),
    ).toBe(
      '<figure><a href="/big.jpg"><img src="/s.jpg" alt="" /></a><figcaption>The <em>team</em></figcaption></figure>',
    );
  });

  test('when a caption is the old attribute form, then the attribute is the figcaption', () => {
    expect(expandShortcodes('[caption caption="Old style" width="100"]<img src="/a.png" />[/caption]')).toBe(
      '<figure><img src="/a.png" /><figcaption>Old style</figcaption></figure>',
    );
  });

  test('when an unknown shortcode encloses text, then the tags go and the text stays', () => {
    expect(expandShortcodes('[box color="red"]Deadline is [b]Friday[/b].[/box]')).toBe('Deadline is Friday.');
  });

  test('when a self-closing or known standalone shortcode appears, then it is dropped', () => {
    expect(expandShortcodes('a [gallery ids="1,2"] b [widget id="x" /] c')).toBe('a  b  c');
  });

  test('when brackets are prose ("[sic]", "[1]") or escaped ([[gallery]]), then they are kept as text', () => {
    expect(expandShortcodes('He wrote "recieve" [sic] [1]. Type [[gallery]] to add one.')).toBe(
      'He wrote "recieve" [sic] [1]. Type [gallery] to add one.',
    );
  });

  test('when an embed shortcode holds a URL, then it becomes a link to it', () => {
    expect(expandShortcodes('[embed]https://www.youtube.com/watch?v=abc&t=1[/embed]')).toBe(
      '<p><a href="https://www.youtube.com/watch?v=abc&amp;t=1">https://www.youtube.com/watch?v=abc&amp;t=1</a></p>',
    );
  });
});

describe('autoParagraphs', () => {
  test('when a classic-editor body separates paragraphs with blank lines, then each becomes a <p> and single newlines <br>', () => {
    expect(autoParagraphs('First line\nsecond line\n\n\nSecond paragraph')).toBe(
      '<p>First line<br>\nsecond line</p>\n<p>Second paragraph</p>',
    );
  });

  test('when a chunk is already a block element or a <pre>, then it is not wrapped and the <pre> keeps its blank lines', () => {
    expect(autoParagraphs('<h2>Title</h2>\n\nText\n\n<pre>a\n\nb</pre>')).toBe(
      '<h2>Title</h2>\n<p>Text</p>\n<pre>a\n\nb</pre>',
    );
  });

  test('when a body has no blank line (block-editor HTML), then it is returned as it is', () => {
    expect(autoParagraphs('<p>One</p>\n<p>Two</p>')).toBe('<p>One</p>\n<p>Two</p>');
  });
});

describe('dates and slugs', () => {
  test('when the GMT date is zero, then the local date is used; both zero gives none; impossible dates are malformed', () => {
    expect(wordpressDate('2026-01-02 03:04:05', '2026-01-01 22:04:05')).toBe('2026-01-02T03:04:05Z');
    expect(wordpressDate('0000-00-00 00:00:00', '2026-01-01 22:04:05')).toBe('2026-01-01T22:04:05Z');
    expect(wordpressDate('0000-00-00 00:00:00', '0000-00-00 00:00:00')).toBeNull();
    expect(wordpressDate('2026-02-29 10:00:00', '')).toBe('malformed');
    expect(wordpressDate('2026-01-01T10:00:00', '')).toBe('malformed');
  });

  test('when a post name is percent-encoded UTF-8, then the slug is the decoded text; invalid ones are slugified', () => {
    expect(slugOf('%d0%ba%d0%b0%d1%80%d1%8c%d0%b5%d1%80%d0%b0')).toBe('карьера');
    expect(slugOf('Career_Fair!!')).toBe('career-fair');
    expect(slugOf('%E0%A4')).toBe('e0-a4');
    expect(slugOf('')).toBeUndefined();
  });
});
