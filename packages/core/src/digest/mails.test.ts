import { Parser } from 'htmlparser2';
import { HtmlValidate } from 'html-validate';
import { codePointLength } from '../text';
import { renderConfirmationMail } from './confirmation.mail';
import { buildDigestPost, buildDigestRecipient, buildDigestSite } from './digest-factories';
import type { DigestPost } from './digest-model';
import { MORE_LIKE_THIS, createDigestRenderer, moreLikeThis } from './digest.renderer';
import { MAX_SUBJECT_LENGTH } from './mail-text';
import * as mjmlTemplate from './mjml-template';

interface Anchor {
  href: string | undefined;
  text: string;
}

interface InspectedMail {
  anchors: Anchor[];
  /** Every element name, in document order. */
  tags: string[];
  /** Every attribute name, lower-cased. */
  attributes: string[];
  /** Text of the body as a reader sees it (entities decoded, whitespace folded). */
  text: string;
  /** Text of the elements named `tag`. */
  textOf(tag: string): string[];
}

/** Reads an HTML mail the way a client's parser would (htmlparser2 decodes entities like a browser). */
function inspect(html: string): InspectedMail {
  const anchors: Anchor[] = [];
  const tags: string[] = [];
  const attributes: string[] = [];
  const open: { name: string; text: string; attribs: Record<string, string> }[] = [];
  const closed: { name: string; text: string }[] = [];
  let body = '';
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        tags.push(name);
        attributes.push(...Object.keys(attribs));
        open.push({ name, text: '', attribs });
      },
      ontext(data) {
        for (const element of open) element.text += data;
        if (open.some((e) => e.name === 'body') && !open.some((e) => e.name === 'style')) body += data;
      },
      onclosetag(name) {
        const element = open.pop();
        if (element === undefined) return;
        closed.push({ name, text: element.text });
        if (name === 'a') anchors.push({ href: element.attribs.href, text: element.text.trim() });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return {
    anchors,
    tags,
    attributes,
    text: body.replace(/\s+/g, ' '),
    textOf: (tag) => closed.filter((e) => e.name === tag).map((e) => e.text.replace(/\s+/g, ' ').trim()),
  };
}

/**
 * html-validate's recommended rules, minus the ones that forbid what email HTML needs:
 * - no-inline-style: mail clients drop <style> blocks and classes, so inline styles are the point;
 * - no-deprecated-attr: align/cellpadding/cellspacing/width/bgcolor on MJML's layout tables are
 *   what Outlook and older clients still lay out by;
 * - no-conditional-comment: MJML's `<!--[if mso]>` ghost tables for Outlook;
 * - prefer-native-element: MJML wraps the mail in `<div role="article" aria-roledescription="email">`,
 *   the accessibility pattern for mails (webmail nests them inside its own page);
 * - doctype-style, no-trailing-whitespace: MJML's spelling and indentation, valid either way;
 * - long-title: <title> is the subject (up to 150 characters), as on the pages (tests/pages).
 * Everything about validity (content models, nesting, attribute values, duplicate ids) stays on.
 */
const emailValidator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    'no-inline-style': 'off',
    'no-deprecated-attr': 'off',
    'no-conditional-comment': 'off',
    'prefer-native-element': 'off',
    'doctype-style': 'off',
    'no-trailing-whitespace': 'off',
    'long-title': 'off',
  },
});

async function htmlProblems(html: string): Promise<string[]> {
  const report = await emailValidator.validateString(html);
  return report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} at ${m.line}:${m.column}: ${m.message}`));
}

const SLOT_MARKER = /%%CAREERFEED_SLOT_/;
const MJML_TAG = /<\/?mj-/;
const site = buildDigestSite();

function postWithRelated(overrides: Partial<DigestPost> = {}): DigestPost {
  const post = buildDigestPost(overrides);
  return {
    ...post,
    related: overrides.related ?? [
      { title: `Related to ${post.id} (1)`, url: `${post.url}related-1/` },
      { title: `Related to ${post.id} (2)`, url: `${post.url}related-2/` },
    ],
  };
}

describe('createDigestRenderer', () => {
  test('when posts are rendered, then both parts show each post title, date, author, topics, excerpt and link, and one "More like this" block', async () => {
    const renderer = await createDigestRenderer(site);
    const posts = [
      postWithRelated({ authorName: 'Ana Lima', topicNames: ['internships', 'Résumé'] }),
      postWithRelated(),
      postWithRelated(),
    ];

    const mail = renderer.render(buildDigestRecipient(), posts);

    const html = inspect(mail.html);
    const textLines = mail.text.split('\n');
    for (const post of posts) {
      expect(html.anchors).toContainEqual({ href: post.url, text: post.title });
      expect(html.text).toContain(post.excerpt);
      expect(html.text).toContain(`March 5, 2025 · by ${post.authorName}`);
      expect(textLines).toContain(post.title);
      expect(textLines).toContain(post.url);
      expect(mail.text).toContain(post.excerpt);
    }
    expect(html.text).toContain('March 5, 2025 · by Ana Lima · internships, Résumé');
    expect(textLines).toContain('March 5, 2025 · by Ana Lima · internships, Résumé');
    // Related posts are no longer listed under each item: the first three, in order, make one block.
    const alike = posts.flatMap((p) => p.related).slice(0, MORE_LIKE_THIS);
    expect(html.textOf('h2')).toEqual([...posts.map((p) => p.title), 'More like this']);
    for (const related of alike) {
      expect(html.anchors.filter((a) => a.href === related.url)).toEqual([{ href: related.url, text: related.title }]);
      expect(textLines.filter((l) => l === `- ${related.title}`)).toHaveLength(1);
    }
    const left = posts.flatMap((p) => p.related).slice(MORE_LIKE_THIS);
    for (const related of left) expect(mail.html).not.toContain(related.url);
    expect(textLines.filter((l) => l === 'More like this:')).toHaveLength(1);
  });

  test('when a related post is itself in the digest, then "More like this" leaves it out, and without related posts there is no block', async () => {
    const first = buildDigestPost();
    const second = buildDigestPost({ related: [{ title: first.title, url: first.url }] });
    expect(moreLikeThis([first, second])).toEqual([]);
    const renderer = await createDigestRenderer(site);
    const mail = renderer.render(buildDigestRecipient(), [first, second]);
    expect(mail.html).not.toContain('More like this');
    expect(mail.text).not.toContain('More like this');
  });

  test('when the site has a logo, colours, an RTL language and a postal address, then the mail shows them', async () => {
    const renderer = await createDigestRenderer(
      buildDigestSite({
        language: 'ar',
        dir: 'rtl',
        logoUrl: 'https://careers.example.edu/logo.png',
        brandColor: '#123456',
        accentColor: '#654321',
        postalAddress: '1 University Way\nSpringfield, IL 62701 <b>USA</b>',
      }),
    );
    const post = buildDigestPost({ image: 'https://images.example.edu/cover.png' });
    const mail = renderer.render(buildDigestRecipient(), [post]);
    const html = inspect(mail.html);
    expect(mail.html).toMatch(/<html lang="ar" dir="rtl"/);
    expect(mail.html).toContain('src="https://careers.example.edu/logo.png"');
    expect(mail.html).toContain('src="https://images.example.edu/cover.png"');
    expect(mail.html.toLowerCase()).toContain('#123456');
    expect(mail.html).toContain('color:#654321');
    expect(html.text).toContain('1 University Way');
    expect(html.text).toContain('Springfield, IL 62701 <b>USA</b>');
    expect(html.tags).not.toContain('b');
    expect(mail.text).toMatch(/1 University Way\nSpringfield, IL 62701 <b>USA<\/b>\n$/);
  });

  test('when rendered, then the header links the site and the footer has the exact preference and unsubscribe links', async () => {
    const renderer = await createDigestRenderer(site);
    const recipient = buildDigestRecipient({
      preferencesUrl: 'https://careers.example.edu/subscription/preferences?token=a.b&utm=1',
      unsubscribeUrl: 'https://careers.example.edu/subscription/unsubscribe?token=a.b',
    });

    const mail = renderer.render(recipient, [buildDigestPost()]);

    const html = inspect(mail.html);
    expect(html.anchors[0]).toEqual({ href: site.url, text: site.title });
    expect(html.anchors).toContainEqual({ href: recipient.preferencesUrl, text: 'Manage your preferences' });
    expect(html.anchors).toContainEqual({ href: recipient.unsubscribeUrl, text: 'Unsubscribe' });
    const lines = mail.text.split('\n');
    expect(lines[0]).toBe(site.title);
    expect(lines[1]).toBe(site.url);
    expect(lines[lines.indexOf('Manage your preferences:') + 1]).toBe(recipient.preferencesUrl);
    expect(lines[lines.indexOf('Unsubscribe:') + 1]).toBe(recipient.unsubscribeUrl);
  });

  test.each([
    [
      'weekly',
      [],
      'You get this weekly digest because you subscribed to Career Center with student@example.edu; topics: everything.',
    ],
    [
      'daily',
      ['tag:resume', 'category:internships'],
      'You get this daily digest because you subscribed to Career Center with student@example.edu; topics: resume, internships.',
    ],
    [
      'instant',
      ['tag:resume'],
      'You get this email about a new post because you subscribed to Career Center with student@example.edu; topics: resume.',
    ],
  ] as const)(
    'when the recipient is %s with topics %j, then the footer says why they get this mail',
    async (frequency, topics, why) => {
      const renderer = await createDigestRenderer(site);

      const mail = renderer.render(buildDigestRecipient({ frequency, topics: [...topics] }), [buildDigestPost()]);

      expect(inspect(mail.html).text).toContain(why);
      expect(mail.text.replace(/\n/g, ' ')).toContain(why);
    },
  );

  test.each([
    ['weekly', 3, 'Career Center: 3 new posts this week — First of three'],
    ['weekly', 1, 'Career Center: 1 new post this week — First of three'],
    ['daily', 2, 'Career Center: 2 new posts since yesterday — First of three'],
    ['instant', 1, 'Career Center: First of three'],
    ['instant', 3, 'Career Center: 3 new posts — First of three'],
  ] as const)(
    'when a %s mail has %d posts, then the subject counts them and names the first',
    async (frequency, count, subject) => {
      const renderer = await createDigestRenderer(site);
      const posts = [buildDigestPost({ title: 'First of three' }), buildDigestPost(), buildDigestPost()].slice(
        0,
        count,
      );

      expect(renderer.render(buildDigestRecipient({ frequency }), posts).subject).toBe(subject);
    },
  );

  test('when a title tries header injection or is very long, then the subject is one line of at most 150 characters', async () => {
    const renderer = await createDigestRenderer(buildDigestSite({ title: 'Career\r\nBcc: all@example.edu' }));
    const title = `Internships\r\nBcc: victim@example.com\u0000 ${'and more words '.repeat(20)}`;

    const { subject } = renderer.render(buildDigestRecipient(), [buildDigestPost({ title })]);

    expect(subject).not.toMatch(/[\r\n\u0000-\u001f\u007f-\u009f]/);
    expect(
      subject.startsWith('Career Bcc: all@example.edu: 1 new post this week — Internships Bcc: victim@example.com and'),
    ).toBe(true);
    expect(codePointLength(subject)).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject.endsWith('more…') || subject.endsWith('words…') || subject.endsWith('and…')).toBe(true);
  });

  test('when titles, names, excerpts, email and topics are hostile, then the HTML shows them as text and runs nothing', async () => {
    const renderer = await createDigestRenderer(buildDigestSite({ title: 'Career <b>Center</b>' }));
    const hostile = {
      title: '<script>alert(1)</script>',
      authorName: '"><img src=x onerror=alert(2)>',
      excerpt: "'><svg onload=alert(3)> & <iframe src=javascript:alert(4)>",
      related: [
        { title: '</a><script>alert(5)</script>', url: 'https://careers.example.edu/r/"onmouseover="alert(6)' },
      ],
    };
    const recipient = buildDigestRecipient({
      email: '"><script>alert(7)</script>@example.edu',
      topics: ['tag:<img src=x onerror=alert(8)>'],
    });

    const mail = renderer.render(recipient, [buildDigestPost(hostile)]);

    const html = inspect(mail.html);
    for (const tag of ['script', 'img', 'svg', 'iframe', 'b']) expect(html.tags).not.toContain(tag);
    expect(html.attributes.filter((a) => a.startsWith('on'))).toEqual([]);
    expect(html.textOf('h2')).toEqual([hostile.title, 'More like this']);
    expect(html.text).toContain(`by ${hostile.authorName}`);
    expect(html.text).toContain(hostile.excerpt);
    expect(html.text).toContain('with "><script>alert(7)</script>@example.edu; topics: <img src=x onerror=alert(8)>.');
    expect(html.anchors).toContainEqual({
      href: 'https://careers.example.edu/r/%22onmouseover=%22alert(6)',
      text: hostile.related[0]!.title,
    });
    expect(html.anchors[0]!.text).toBe('Career <b>Center</b>');
    expect(await htmlProblems(mail.html)).toEqual([]);
  });

  test('when URLs are not http(s), then they become no links in either part and the labels stay as text', async () => {
    const renderer = await createDigestRenderer(buildDigestSite({ url: 'javascript:alert(0)' }));
    const post = buildDigestPost({
      title: 'Click me',
      url: 'javascript:alert(1)',
      related: [
        { title: 'Also me', url: ' JaVaScRiPt:alert(2)' },
        { title: 'Data', url: 'data:text/html,<script>alert(3)</script>' },
      ],
    });
    const recipient = buildDigestRecipient({ preferencesUrl: 'vbscript:msgbox(4)', unsubscribeUrl: '//evil.example/' });

    const mail = renderer.render(recipient, [post]);

    const html = inspect(mail.html);
    expect(html.anchors).toEqual([]);
    expect(html.text).toContain('Click me');
    // Related posts without an http(s) URL are left out of "More like this" altogether.
    expect(html.text).not.toContain('Also me');
    expect(mail.text).toContain('Click me');
    expect(mail.text).not.toMatch(/javascript:|vbscript:|data:|evil\.example/i);
    expect(mail.html).not.toMatch(/javascript:|vbscript:|data:text|evil\.example/i);
  });

  test('when there are more posts than maxPosts, then the rest is one "and N more posts" line linking the site', async () => {
    const renderer = await createDigestRenderer(site, { maxPosts: 2 });
    const posts = [buildDigestPost(), buildDigestPost(), buildDigestPost(), buildDigestPost(), buildDigestPost()];

    const mail = renderer.render(buildDigestRecipient(), posts);

    const html = inspect(mail.html);
    expect(html.textOf('h2')).toEqual([posts[0]!.title, posts[1]!.title]);
    expect(html.text).toContain('And 3 more posts on Career Center.');
    expect(html.anchors).toContainEqual({ href: site.url, text: '3 more posts' });
    expect(mail.text).toContain(`And 3 more posts on Career Center:\n${site.url}\n`);
    for (const hidden of posts.slice(2)) {
      expect(mail.html).not.toContain(hidden.title);
      expect(mail.text).not.toContain(hidden.title);
    }
    expect(mail.subject).toBe(`Career Center: 5 new posts this week — ${posts[0]!.title}`);
    expect(html.textOf('h1')).toEqual(['5 new posts this week']);
  });

  test('when maxPosts is not a positive integer, then creating the renderer fails', async () => {
    await expect(createDigestRenderer(site, { maxPosts: 0 })).rejects.toThrow(RangeError);
  });

  test('when rendered, then no MJML tag and no slot marker is left, and a title that looks like a marker stays text', async () => {
    const renderer = await createDigestRenderer(site);
    const sneaky = buildDigestPost({ title: '%%CAREERFEED_SLOT_FOOTER%%' });

    const plain = renderer.render(buildDigestRecipient(), [buildDigestPost()]);
    const marked = renderer.render(buildDigestRecipient(), [sneaky]);

    expect(plain.html).not.toMatch(MJML_TAG);
    expect(plain.html).not.toMatch(SLOT_MARKER);
    expect(plain.html.startsWith('<!doctype html>')).toBe(true);
    expect(inspect(marked.html).textOf('h2')).toEqual(['%%CAREERFEED_SLOT_FOOTER%%']);
    expect(inspect(marked.html).anchors).toContainEqual({ href: site.url, text: site.title });
  });

  test('when the same inputs are rendered twice, by one renderer or two, then the mails are identical', async () => {
    const posts = [postWithRelated(), postWithRelated()];
    const recipient = buildDigestRecipient({ topics: ['tag:resume'] });
    const first = await createDigestRenderer(site);
    const second = await createDigestRenderer(site);

    const a = first.render(recipient, posts);
    const b = first.render(recipient, posts);
    const c = second.render(
      recipient,
      posts.map((p) => ({ ...p })),
    );

    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  test('when many mails are rendered, then the MJML layout was compiled only once, when the renderer was created', async () => {
    const compile = jest.spyOn(mjmlTemplate, 'compileMjmlTemplate');
    try {
      const renderer = await createDigestRenderer(site);
      expect(compile).toHaveBeenCalledTimes(1);
      const posts = [postWithRelated(), postWithRelated()];

      for (let i = 0; i < 200; i++) renderer.render(buildDigestRecipient({ email: `s${i}@example.edu` }), posts);

      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
  });

  test('when a cached post changes under the same id, then the mail shows the new version', async () => {
    const renderer = await createDigestRenderer(site);
    const post = buildDigestPost({ title: 'Before' });
    renderer.render(buildDigestRecipient(), [post]);

    const mail = renderer.render(buildDigestRecipient(), [{ ...post, title: 'After' }]);

    expect(inspect(mail.html).textOf('h2')).toEqual(['After']);
    expect(mail.text).not.toContain('Before');
  });

  test('when there are no posts, then rendering throws (an empty digest is never sent)', async () => {
    const renderer = await createDigestRenderer(site);

    expect(() => renderer.render(buildDigestRecipient(), [])).toThrow(RangeError);
  });

  test('when the site has a language, then the HTML declares it; a malformed one falls back to en', async () => {
    const french = await createDigestRenderer(buildDigestSite({ language: 'fr-CA' }));
    const broken = await createDigestRenderer(buildDigestSite({ language: 'en" onload="alert(1)' }));

    expect(french.render(buildDigestRecipient(), [buildDigestPost()]).html).toMatch(/<html lang="fr-CA"/);
    expect(broken.render(buildDigestRecipient(), [buildDigestPost()]).html).toMatch(/<html lang="en"/);
  });

  test('when the text part is read, then lines wrap at 72 columns except URLs, which have lines of their own', async () => {
    const renderer = await createDigestRenderer(site);
    const post = postWithRelated({
      title: 'How to write a résumé that a recruiter reads to the end, in seven steps you can do tonight',
      excerpt: 'Recruiters spend seconds on a first pass. '.repeat(8),
      url: `https://careers.example.edu/posts/${'a-very-long-slug-'.repeat(6)}/`,
    });

    const mail = renderer.render(buildDigestRecipient(), [post]);

    const lines = mail.text.split('\n');
    for (const line of lines) {
      if (!/^https?:\/\//.test(line)) expect(codePointLength(line)).toBeLessThanOrEqual(72);
    }
    expect(lines).toContain(post.url);
    expect(mail.text).not.toMatch(/\S https?:\/\//);
  });

  test('when rendered, then the HTML is valid under html-validate with the email relaxations', async () => {
    const renderer = await createDigestRenderer(site, { maxPosts: 2 });
    const posts = [postWithRelated(), postWithRelated({ related: [] }), postWithRelated()];

    const mail = renderer.render(buildDigestRecipient({ topics: ['tag:resume'] }), posts);

    expect(await htmlProblems(mail.html)).toEqual([]);
  });
});

describe('renderConfirmationMail', () => {
  const input = {
    email: 'new.student@example.edu',
    confirmUrl: 'https://careers.example.edu/subscription/confirm?token=abc.def&x=1',
    expiresInHours: 48,
  };

  test('when rendered, then both parts carry the exact confirmation link, the address and the expiry', async () => {
    const mail = await renderConfirmationMail(site, input);

    expect(mail.subject).toBe('Confirm your subscription to Career Center');
    const html = inspect(mail.html);
    expect(html.anchors.filter((a) => a.href === input.confirmUrl).length).toBeGreaterThanOrEqual(1);
    expect(html.text).toContain(input.email);
    expect(html.text).toContain('48 hours');
    expect(mail.text.split('\n')).toContain(input.confirmUrl);
    expect(mail.text).toContain(input.email);
    expect(mail.text).toContain('48 hours');
    expect(mail.html).not.toMatch(MJML_TAG);
    expect(mail.html).not.toMatch(SLOT_MARKER);
    expect(await htmlProblems(mail.html)).toEqual([]);
  });

  test('when the address is hostile, then it is shown as text', async () => {
    const mail = await renderConfirmationMail(site, { ...input, email: '"><img src=x onerror=alert(1)>@x.edu' });

    const html = inspect(mail.html);
    expect(html.tags).not.toContain('img');
    expect(html.text).toContain('"><img src=x onerror=alert(1)>@x.edu');
  });

  test('when the confirmation URL is not http(s), then it throws rather than send a dead mail', async () => {
    await expect(renderConfirmationMail(site, { ...input, confirmUrl: 'javascript:alert(1)' })).rejects.toThrow(
      RangeError,
    );
  });
});
