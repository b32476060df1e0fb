import { sanitizeCommentBody } from './comment-body';
import { signFormToken, verifyFormToken } from './form-token';
import { signReplyLink, verifyReplyLink } from './reply-links';
import { buildThreads, countThreads, type PublicComment } from './comment-model';

describe('sanitizeCommentBody', () => {
  test('keeps exactly the WordPress comment tags and their attributes', () => {
    const { html } = sanitizeCommentBody(
      '<a href="https://example.edu/" title="t">a</a> <abbr title="x">ab</abbr> <acronym title="y">ac</acronym> <b>b</b> ' +
        '<blockquote cite="https://example.edu/q">bq</blockquote> <cite>c</cite> <code>co</code> ' +
        '<del datetime="2026-01-01">d</del> <em>e</em> <i>i</i> <q cite="https://example.edu/q">q</q> <strike>s</strike> <strong>st</strong>',
    );
    expect(html).toBe(
      '<a href="https://example.edu/" rel="nofollow ugc" title="t">a</a> <abbr title="x">ab</abbr> <acronym title="y">ac</acronym> <b>b</b> ' +
        '<blockquote cite="https://example.edu/q">bq</blockquote> <cite>c</cite> <code>co</code> ' +
        '<del datetime="2026-01-01">d</del> <em>e</em> <i>i</i> <q cite="https://example.edu/q">q</q> <strike>s</strike> <strong>st</strong>',
    );
  });

  test('escapes every other tag, with its contents, instead of dropping it', () => {
    const { html } = sanitizeCommentBody('<script>alert(1)</script><p>para</p><br><style>x{}</style>');
    expect(html).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;para&lt;/p&gt;&lt;br /&gt;&lt;style&gt;x{}&lt;/style&gt;',
    );
  });

  test('removes event handlers and non-http(s) links, whatever their spelling', () => {
    const { html } = sanitizeCommentBody(
      '<b onclick="x()">b</b> <a href="JaVaScRiPt:alert(1)">j</a> <a href="java\tscript:alert(1)">t</a> ' +
        '<a href="data:text/html,x">d</a> <a href="mailto:a@b.c">m</a> <q cite="javascript:x">q</q> <a href="/relative">r</a>',
    );
    expect(html).toBe('<b>b</b> j t d m <q>q</q> r');
  });

  test('keeps typed line breaks as <br> (text only, never inside an attribute) and counts links', () => {
    const result = sanitizeCommentBody('one\r\ntwo https://a.example <a href="https://b.example" title="x\ny">b</a>');
    expect(result.html).toBe(
      'one<br>\ntwo https://a.example <a href="https://b.example/" rel="nofollow ugc" title="x\ny">b</a>',
    );
    expect(result.linkCount).toBe(2);
  });
});

describe('form tokens and reply links', () => {
  const key = Buffer.alloc(32, 7);
  const postId = '0192f4a8-7c1e-7b3a-9d2e-4f5a6b7c8d9e';

  test('a form token verifies for its post and tells its age; for another post or altered, it does not', () => {
    const token = signFormToken(key, postId, new Date(1_000_000));
    expect(verifyFormToken(key, token, postId, new Date(1_004_000))).toEqual({ ok: true, secondsSinceIssued: 4 });
    expect(verifyFormToken(key, token, '0192f4a8-7c1e-7b3a-9d2e-4f5a6b7c8d9f', new Date(1_004_000)).ok).toBe(false);
    expect(verifyFormToken(key, token.replace(/^1/, '2'), postId, new Date(1_004_000)).ok).toBe(false);
    expect(verifyFormToken(Buffer.alloc(32, 8), token, postId, new Date(1_004_000)).ok).toBe(false);
  });

  test('a reply link opens only for its purpose', () => {
    const token = signReplyLink(key, 'confirm', postId);
    expect(verifyReplyLink(key, 'confirm', token)).toBe(postId);
    expect(verifyReplyLink(key, 'unsubscribe', token)).toBeNull();
    expect(verifyReplyLink(key, 'confirm', `${token}x`)).toBeNull();
    expect(verifyReplyLink(key, 'confirm', 42)).toBeNull();
  });
});

describe('buildThreads', () => {
  const c = (id: string, parentId: string | null): PublicComment => ({
    id,
    parentId,
    depth: 0,
    authorName: id,
    authorUrl: null,
    bodyHtml: id,
    createdAt: '2026-01-01T00:00:00.000Z',
  });

  test('nests replies under their parents in order, and leaves out replies whose parent is not shown', () => {
    const threads = buildThreads([c('a', null), c('b', 'a'), c('c', null), c('d', 'b'), c('e', 'hidden')]);
    expect(threads.map((t) => t.comment.id)).toEqual(['a', 'c']);
    expect(threads[0]!.replies[0]!.comment.id).toBe('b');
    expect(threads[0]!.replies[0]!.replies[0]!.comment.id).toBe('d');
    expect(countThreads(threads)).toBe(4);
  });
});
