import { Parser } from 'htmlparser2';
import { HtmlValidate, type Message } from 'html-validate';

export interface PageElement {
  name: string;
  attribs: Record<string, string>;
  /** Text content, entities decoded (for <script>, the raw source). */
  text: string;
  /** Enclosing elements, outermost first. */
  ancestors: PageElement[];
}

export interface ParsedPage {
  elements: PageElement[];
  all(name: string): PageElement[];
  first(name: string): PageElement | undefined;
  /** Elements named `name` inside `container`. */
  within(container: PageElement, name: string): PageElement[];
  /** content of <meta property=key> or <meta name=key>. */
  meta(key: string): string | undefined;
  /** <link> elements with this rel. */
  links(rel: string): Record<string, string>[];
  /** The one JSON-LD block, parsed. */
  jsonLd(): Record<string, unknown>;
}

/** Parses a page the way a browser tokenizer would (htmlparser2), keeping every element and its text. */
export function parsePage(html: string): ParsedPage {
  const elements: PageElement[] = [];
  const open: PageElement[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const element: PageElement = { name, attribs, text: '', ancestors: [...open] };
        elements.push(element);
        open.push(element);
      },
      ontext(data) {
        for (const element of open) element.text += data;
      },
      onclosetag() {
        open.pop();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const all = (name: string) => elements.filter((e) => e.name === name);
  return {
    elements,
    all,
    first: (name) => all(name)[0],
    within: (container, name) => all(name).filter((e) => e.ancestors.includes(container)),
    meta: (key) => all('meta').find((m) => m.attribs.property === key || m.attribs.name === key)?.attribs.content,
    links: (rel) =>
      all('link')
        .filter((l) => l.attribs.rel === rel)
        .map((l) => l.attribs),
    jsonLd: () => {
      const blocks = all('script').filter((s) => s.attribs.type === 'application/ld+json');
      expect(blocks).toHaveLength(1);
      return JSON.parse(blocks[0]!.text) as Record<string, unknown>;
    },
  };
}

/**
 * Our own markup is held to every html-validate:recommended rule but one:
 * - long-title: <title> is the post title plus the site name; cutting it would hurt tabs and bookmarks.
 * (form-dup-name is kept, only told that checkboxes may share a name like radios.)
 * The post body is the author's markup (already sanitized, embedded as is), so inside it only rules
 * about how well-written the author's HTML is are waived, never the ones about validity:
 * - void-style: the sanitizer serializes `<img />`, which is valid HTML, just not our style;
 * - wcag/h37: an author's image without alt text (we cannot invent one);
 * - prefer-tbody: an author's table without <tbody> (valid; the parser adds it).
 */
const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  // Checkboxes sharing a name are how a form sends a list (the subscription topics); the rule
  // allows that for radios by default and is told the same for checkboxes.
  rules: {
    'long-title': 'off',
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
  },
});
const AUTHOR_CONTENT_RULES = new Set(['void-style', 'wcag/h37', 'prefer-tbody']);

/** Offsets of the embedded post body, if the page has one. */
function authorContentRange(html: string): [number, number] | null {
  const open = '<div class="content">\n';
  const start = html.indexOf(open);
  if (start === -1) return null;
  // The sanitizer allows no <div>, so the first "\n</div>" after the body closes it.
  return [start + open.length, html.indexOf('\n</div>', start)];
}

/** The validator's complaints, one readable line each; [] when the page is valid. */
export async function htmlProblems(html: string): Promise<string[]> {
  const report = await validator.validateString(html);
  const content = authorContentRange(html);
  const lines = html.split('\n');
  return report.results.flatMap((result) =>
    result.messages
      .filter(
        (m: Message) =>
          !(content && AUTHOR_CONTENT_RULES.has(m.ruleId) && m.offset >= content[0] && m.offset < content[1]),
      )
      .map(
        (m: Message) =>
          `${m.ruleId} at ${m.line}:${m.column}: ${m.message} | ${lines[m.line - 1]?.slice(Math.max(0, m.column - 40), m.column + 60) ?? ''}`,
      ),
  );
}
