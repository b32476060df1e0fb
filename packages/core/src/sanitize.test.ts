import { Parser } from 'htmlparser2';
import { escapeHtml, sanitizePostHtml } from './sanitize';

const BASE = 'https://careers.example.edu/blog/2024/resume-tips';

const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'hr',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'em',
  'strong',
  'b',
  'i',
  'u',
  's',
  'del',
  'ins',
  'sub',
  'sup',
  'mark',
  'small',
  'abbr',
  'cite',
  'q',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'img',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
]);

interface ParsedElement {
  name: string;
  attribs: Record<string, string>;
}

/** Re-parses sanitizer output the way a browser-like consumer would (entities decoded). */
function parse(html: string): { elements: ParsedElement[]; text: string } {
  const elements: ParsedElement[] = [];
  let text = '';
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        elements.push({ name, attribs });
      },
      ontext(data) {
        text += data;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return { elements, text };
}

function expectSafe(output: string): void {
  expect(output).not.toMatch(/<script/i);
  expect(output).not.toMatch(/<style/i);
  // sanitize-html escapes '<' inside attribute values, so every '<' in the
  // output opens a real tag; no tag may carry an event handler or style.
  expect(output).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(output).not.toMatch(/<[^>]*\sstyle\s*=/i);

  const { elements, text } = parse(output);
  let inert = text;
  for (const { name, attribs } of elements) {
    expect(ALLOWED_TAGS).toContain(name);
    for (const [attr, value] of Object.entries(attribs)) {
      expect(attr).not.toMatch(/^on/i);
      expect(['style', 'srcset', 'target', 'formaction', 'action', 'background', 'xlink:href']).not.toContain(attr);
      if (attr === 'href' || attr === 'src') {
        // The scheme is what a browser acts on; "javascript:" may legitimately
        // remain as inert text inside an https path (e.g. /%60javascript:...).
        expect(value).toMatch(/^(https?:\/\/|mailto:)/);
        expect(['http:', 'https:', 'mailto:']).toContain(new URL(value).protocol);
      } else {
        inert += ` ${value}`;
      }
    }
  }
  // Browsers ignore controls and whitespace inside schemes.
  expect(inert.replace(/[\u0000-\u0020]/g, '')).not.toMatch(/javascript:|vbscript:|data:/i);
  expect(output).not.toMatch(/(?:href|src)\s*=\s*["'`]?[\s\u0000-\u001f]*(?:javascript|vbscript|data):/i);
}

// Mostly from the OWASP XSS Filter Evasion Cheat Sheet and mXSS write-ups.
const HOSTILE_VECTORS: readonly string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>',
  '<script>document.write("<img src=x onerror=alert(1)>")</script>',
  '<img src=x onerror=alert(1)>',
  '<img src=x onerror="alert(1)"',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  "<IMG SRC=JaVaScRiPt:alert('XSS')>",
  '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>',
  '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>',
  '<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>',
  '<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>',
  '<IMG SRC="jav\tascript:alert(\'XSS\');">',
  '<IMG SRC="jav&#x09;ascript:alert(\'XSS\');">',
  '<IMG SRC="jav&#x0A;ascript:alert(\'XSS\');">',
  '<IMG SRC="jav&#x0D;ascript:alert(\'XSS\');">',
  '<IMG SRC=" &#14;  javascript:alert(\'XSS\');">',
  '<a href="javas&#99;ript:alert(1)">click</a>',
  '<a href="&#106;avascript:alert(1)">click</a>',
  '<a href="&#x6A;avascript:alert(1)">click</a>',
  '<a href="&#106avascript:alert(1)">click</a>',
  '<a href="javascript&colon;alert(1)">click</a>',
  '<a href="jav&Tab;ascript:alert(1)">click</a>',
  '<a href="java\tscript:alert(1)">click</a>',
  '<a href="java\nscript:alert(1)">click</a>',
  '<a href="java\u0000script:alert(1)">click</a>',
  '<a href="\u0001javascript:alert(1)">click</a>',
  '<a href=" JaVaScRiPt:alert(1)">click</a>',
  '<a href=javascript:alert(1)>click</a>',
  '<a href="vbscript:msgbox(1)">click</a>',
  '<a href="data:text/html,<script>alert(1)</script>">click</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
  '<a href="file:///etc/passwd">click</a>',
  '<a href="https://ok.example/" onmouseover="alert(1)" target="_blank">x</a>',
  '<p onclick=alert(1)>hi</p>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<math href="javascript:alert(1)">CLICKME</math>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  "<style>@import 'http://evil.example/xss.css';</style>",
  '<STYLE>li {list-style-image: url("javascript:alert(1)");}</STYLE><UL><LI>XSS</br>',
  '<DIV STYLE="background-image: url(javascript:alert(1))">',
  '<DIV STYLE="width: expression(alert(\'XSS\'));">',
  '<scr<script>ipt>alert(1)</script>',
  '<<SCRIPT>alert("XSS");//<</SCRIPT>',
  '<"\'><script>alert(1)</script>',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
  '<!--<script>alert(1)</script>-->',
  "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
  '<base href="javascript:alert(1)//">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(1);">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
  '<form action="javascript:alert(1)"><input type="submit"></form>',
  '<button formaction="javascript:alert(1)">go</button>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==">',
  '<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
  '<img srcset="javascript:alert(1) 1x" src="javascript:alert(1)">',
  '<BODY ONLOAD=alert(1)>',
  '<BODY BACKGROUND="javascript:alert(\'XSS\')">',
  '<TABLE BACKGROUND="javascript:alert(\'XSS\')"><TD BACKGROUND="javascript:alert(\'XSS\')">',
  '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
  '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
  '<details open ontoggle=alert(1)>',
  '<video><source onerror="alert(1)"></video>',
  '<audio src=x onerror=alert(1)>',
  '<xmp><img src=x onerror=alert(1)></xmp>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<template><script>alert(1)</script></template>',
  '<isindex action=javascript:alert(1) type=image>',
  '<h1 onclick="alert(1)" style="color:red">Title</h1>',
  '<a href="https://ok.example/"><img src=x onerror=alert(1)>',
  '<p><b><i><u>unclosed <a href="javascript:alert(1)">',
  '<div><p>nested</div></p></b><script>alert(1)',
];

describe('sanitizePostHtml: hostile input', () => {
  it.each(HOSTILE_VECTORS.map((vector) => [vector]))(
    'when given %s, then the output contains no script, handler, style or dangerous URL',
    (vector) => {
      expectSafe(sanitizePostHtml(vector, BASE));
    },
  );

  it('when all vectors are concatenated into one document, then the output is still safe', () => {
    expectSafe(sanitizePostHtml(HOSTILE_VECTORS.join('\n'), BASE));
  });

  it('when a script, style or svg has content, then no trace of its text remains', () => {
    const out = sanitizePostHtml(
      '<p>before</p><script>alert(1)</script><style>.x{color:red}</style><svg><text>svgtext</text></svg><math><mi>mathtext</mi></math><iframe>frametext</iframe><object>objtext</object><form>formtext<input></form><p>after</p>',
      BASE,
    );
    expect(out).toBe('<p>before</p><p>after</p>');
  });

  it('when a javascript: link is removed, then its text is kept but the anchor is unwrapped', () => {
    expect(sanitizePostHtml('<p><a href="JaVaScRiPt:alert(1)">Apply now</a></p>', BASE)).toBe('<p>Apply now</p>');
  });

  it('when an image has a disallowed or data: source, then the whole image is removed', () => {
    expect(sanitizePostHtml('<p>a<img src="data:image/png;base64,AAAA" alt="x">b</p>', BASE)).toBe('<p>ab</p>');
    expect(sanitizePostHtml('<p>a<img src="mailto:x@example.edu">b</p>', BASE)).toBe('<p>ab</p>');
    expect(sanitizePostHtml('<p>a<img alt="no src">b</p>', BASE)).toBe('<p>ab</p>');
  });

  it('when a link has target or unknown rel tokens, then target is dropped and rel is filtered', () => {
    const out = sanitizePostHtml(
      '<a href="https://x.example/" target="_blank" rel="NoFollow opener noreferrer me nofollow">x</a>',
      BASE,
    );
    expect(out).toBe('<a href="https://x.example/" rel="nofollow noreferrer">x</a>');
  });

  it('when rel has no allowed tokens, then the rel attribute is dropped', () => {
    expect(sanitizePostHtml('<a href="/x" rel="opener">x</a>', BASE)).toBe(
      '<a href="https://careers.example.edu/x">x</a>',
    );
  });

  it('when unknown tags wrap text, then the tags are unwrapped and the text kept', () => {
    expect(sanitizePostHtml('<div><span class="x">Hello</span> <font color=red>world</font></div>', BASE)).toBe(
      'Hello world',
    );
  });

  it('when tags are unbalanced, then the output is balanced', () => {
    expect(sanitizePostHtml('<p>open <strong>bold <em>both', BASE)).toBe(
      '<p>open <strong>bold <em>both</em></strong></p>',
    );
  });

  it('when attribute values contain markup, then quotes and brackets are escaped', () => {
    const out = sanitizePostHtml('<abbr title="&quot;><script>alert(1)</script>">X</abbr>', BASE);
    expect(out).toBe('<abbr title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">X</abbr>');
    expectSafe(out);
  });

  it('when dimensions, spans, scope or list start are not well-formed, then they are dropped', () => {
    const out = sanitizePostHtml(
      '<img src="/a.png" width="100%" height="50;x"><table><tr><td colspan="2x" rowspan="3" scope="evil">c</td></tr></table><ol start="1e3"><li>x</li></ol>',
      BASE,
    );
    expect(out).toBe(
      '<img src="https://careers.example.edu/a.png" /><table><tr><td rowspan="3">c</td></tr></table><ol><li>x</li></ol>',
    );
  });

  it('when code classes are not language-*, then they are dropped', () => {
    expect(sanitizePostHtml('<pre class="hljs"><code class="language-ts x-evil">x</code></pre>', BASE)).toBe(
      '<pre><code class="language-ts">x</code></pre>',
    );
  });
});

describe('sanitizePostHtml: benign content', () => {
  const post = [
    '<h1 id="t">Résumé tips</h1>',
    '<h2>Why</h2><h3>a</h3><h4>b</h4><h5>c</h5><h6>d</h6>',
    '<p>Visit <a href="../events/fair?day=1&amp;room=2#map" title="Fair">the fair</a>, ',
    'email <a href="mailto:careers@example.edu">us</a> or see <a href="//cdn.example.org/guide.pdf">the guide</a>.</p>',
    '<ul><li>One</li><li><em>Two</em></li></ul><ol start="3"><li>Three</li></ol>',
    '<blockquote><p>Quote <q>inner</q> <cite>Someone</cite></p></blockquote>',
    '<figure><img src="/img/fair.jpg" alt="Students at the fair" width="640" height="480"><figcaption>Fall fair</figcaption></figure>',
    '<table><caption>Hours</caption><thead><tr><th scope="col">Day</th><th colspan="2">Time</th></tr></thead>',
    '<tbody><tr><td>Mon</td><td rowspan="2">9–5</td></tr></tbody><tfoot><tr><td>Note</td></tr></tfoot></table>',
    '<pre class="language-python"><code class="language-python">print("hi") &lt; 3</code></pre>',
    '<p><strong>S</strong><b>B</b><i>I</i><u>U</u><s>S</s><del>D</del><ins>I</ins><sub>2</sub><sup>3</sup><mark>M</mark><small>s</small>',
    '<abbr title="Curriculum vitae">CV</abbr><br>履歷表 🎉</p><hr><dl><dt>Term</dt><dd>Def</dd></dl>',
  ].join('');
  const out = sanitizePostHtml(post, BASE);

  it('when the post has an h1, then it becomes an h2 without attributes', () => {
    expect(out.startsWith('<h2>Résumé tips</h2><h2>Why</h2><h3>a</h3><h4>b</h4><h5>c</h5><h6>d</h6>')).toBe(true);
    expect(out).not.toContain('<h1');
  });

  it('when links are relative, protocol-relative or mailto, then they are absolute and kept', () => {
    expect(out).toContain(
      '<a href="https://careers.example.edu/blog/events/fair?day=1&amp;room=2#map" title="Fair">the fair</a>',
    );
    expect(out).toContain('<a href="mailto:careers@example.edu">us</a>');
    expect(out).toContain('<a href="https://cdn.example.org/guide.pdf">the guide</a>');
  });

  it('when the base is http, then protocol-relative URLs get http', () => {
    expect(sanitizePostHtml('<a href="//x.example/a">x</a>', 'http://blog.example.edu/p')).toBe(
      '<a href="http://x.example/a">x</a>',
    );
  });

  it('when the post has lists, quotes and figures, then they survive intact', () => {
    expect(out).toContain('<ul><li>One</li><li><em>Two</em></li></ul><ol start="3"><li>Three</li></ol>');
    expect(out).toContain('<blockquote><p>Quote <q>inner</q> <cite>Someone</cite></p></blockquote>');
    expect(out).toContain(
      '<figure><img src="https://careers.example.edu/img/fair.jpg" alt="Students at the fair" width="640" height="480" /><figcaption>Fall fair</figcaption></figure>',
    );
  });

  it('when the post has a table, then its structure and cell attributes survive', () => {
    expect(out).toContain(
      '<table><caption>Hours</caption><thead><tr><th scope="col">Day</th><th colspan="2">Time</th></tr></thead><tbody><tr><td>Mon</td><td rowspan="2">9–5</td></tr></tbody><tfoot><tr><td>Note</td></tr></tfoot></table>',
    );
  });

  it('when the post has a code block, then the language class and escaped text survive', () => {
    expect(out).toContain('<pre class="language-python"><code class="language-python">print("hi") &lt; 3</code></pre>');
  });

  it('when the post has inline formatting, abbreviations, CJK and emoji, then they survive', () => {
    expect(out).toContain(
      '<strong>S</strong><b>B</b><i>I</i><u>U</u><s>S</s><del>D</del><ins>I</ins><sub>2</sub><sup>3</sup><mark>M</mark><small>s</small>',
    );
    expect(out).toContain(
      '<abbr title="Curriculum vitae">CV</abbr><br />履歷表 🎉</p><hr /><dl><dt>Term</dt><dd>Def</dd></dl>',
    );
  });

  it('when benign content is sanitized, then the result passes the safety checks and is stable', () => {
    expectSafe(out);
    expect(sanitizePostHtml(out, BASE)).toBe(out);
  });
});

describe('sanitizePostHtml: characters and arguments', () => {
  it('when input or decoded entities contain XML-illegal characters, then they are removed', () => {
    expect(sanitizePostHtml('<p>a\u0000b&#1;c&#xB;d\ud800e\ud83d\ude00</p>', BASE)).toBe('<p>abcde\ud83d\ude00</p>');
  });

  it('when the base URL is not absolute http(s), then it throws', () => {
    expect(() => sanitizePostHtml('<p>x</p>', 'not a url')).toThrow(TypeError);
    expect(() => sanitizePostHtml('<p>x</p>', 'javascript:alert(1)')).toThrow(TypeError);
  });

  it('when a previous call threw, then the next call still resolves against its own base', () => {
    expect(() => sanitizePostHtml('<a href="/x">x</a>', 'ftp://files.example/')).toThrow(TypeError);
    expect(sanitizePostHtml('<a href="/x">x</a>', 'https://other.example/p')).toBe(
      '<a href="https://other.example/x">x</a>',
    );
  });
});

describe('escapeHtml', () => {
  it('when text contains the five HTML-special characters, then each is escaped', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('when text is already escaped, then ampersands are escaped again', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('when text has nothing special, then it is unchanged', () => {
    expect(escapeHtml('Résumé 履歷表 🎉')).toBe('Résumé 履歷表 🎉');
  });
});
