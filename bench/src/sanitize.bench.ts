/**
 * `npm run bench:sanitize`: what the text steps of one ingested post cost, and what the
 * alternatives would, on the bench:ingest posts (fixtures/sample-blog.json bodies, 3–6 KB of HTML).
 * Single thread, no I/O. Every case is timed in rounds alternating with the current sanitize-html
 * call, and reported as the median of the per-round ratios, because the machine is shared and
 * noisy. JSON lines on stdout; see docs/benchmarks.md "npm run bench:sanitize".
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sanitizeHtml from 'sanitize-html';
import { Parser } from 'htmlparser2';
import {
  cleanText,
  countWords,
  excerptFromPlainText,
  htmlToPlainText,
  POST_HTML_ALLOWED_ATTRIBUTES,
  POST_HTML_ALLOWED_TAGS,
  POST_HTML_DROPPED_WITH_CONTENT,
  sanitizePostHtml,
} from '@careerfeed/core';
import { round } from './support/load';
import { buildPostInput, loadFixture } from './support/posts';
import { runBench } from './support/run-bench';
import { intSettingsReader } from './support/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const BASE_URL = 'http://localhost:3002/';

interface Settings {
  posts: number;
  rounds: number;
  fixture: string;
  /** A node_modules folder holding the libraries compared that careerfeed does not depend on. */
  extraModules: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const settings: Settings = {
    posts: int('BENCH_POSTS', 1000, 10, 100_000),
    rounds: int('BENCH_ROUNDS', 7, 1, 100),
    fixture: path.resolve(env.BENCH_FIXTURE || path.join(ROOT, 'fixtures', 'sample-blog.json')),
    extraModules: env.BENCH_EXTRA_MODULES ? path.resolve(env.BENCH_EXTRA_MODULES) : undefined,
  };
  if (problems.length > 0) throw new Error(`Invalid bench settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return settings;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'sanitize', ...line })}\n`);
}

function note(message: string): void {
  process.stderr.write(`[bench:sanitize] ${message}\n`);
}

/** CPU µs per input of one pass of `step` over `inputs`. */
function cpuUsPer<T>(inputs: readonly T[], step: (input: T) => unknown): number {
  let sink = 0;
  const before = process.cpuUsage();
  for (const input of inputs) sink += step(input) ? 1 : 0;
  const used = process.cpuUsage(before);
  if (sink < 0) process.stderr.write('');
  return (used.user + used.system) / inputs.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// The post policy of packages/core/src/sanitize.ts as plain allowlists, for the libraries that take
// only allowlists. They do not resolve relative URLs against the post's URL, vet rel tokens,
// dimensions or code classes, or drop an <img> without a usable src: the figures below are what
// the allowlist alone costs in each library, a lower bound for the same policy.
// (packages/core exports them, so the lists here cannot drift from the policy.)
const ALLOWED_TAGS = [...POST_HTML_ALLOWED_TAGS];
const ALLOWED_ATTRIBUTES: Record<string, string[]> = Object.fromEntries(
  Object.entries(POST_HTML_ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]]),
);
const DROPPED_WITH_CONTENT = [...POST_HTML_DROPPED_WITH_CONTENT];

type Case = { name: string; note: string; step: (html: string) => unknown };

/** Libraries careerfeed does not depend on, loaded from BENCH_EXTRA_MODULES when it is set. */
async function extraCases(dir: string | undefined): Promise<Case[]> {
  if (dir === undefined) {
    note('BENCH_EXTRA_MODULES unset: xss, ultrahtml and DOMPurify on jsdom are not measured');
    return [];
  }
  const load = createRequire(path.join(dir, 'noop.js'));
  const cases: Case[] = [];
  const tryAdd = (name: string, build: () => Case) => {
    try {
      cases.push(build());
    } catch (error) {
      note(`${name}: not measured (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  tryAdd('xss', () => {
    const xss = load('xss') as {
      FilterXSS: new (options: object) => { process(html: string): string };
    };
    const filter = new xss.FilterXSS({
      whiteList: Object.fromEntries(ALLOWED_TAGS.map((tag) => [tag, ALLOWED_ATTRIBUTES[tag] ?? []])),
      stripIgnoreTag: true,
      stripIgnoreTagBody: DROPPED_WITH_CONTENT,
    });
    return { name: 'xss', note: 'js-xss FilterXSS, allowlist only', step: (html) => filter.process(html) };
  });
  tryAdd('dompurify_jsdom', () => {
    const { JSDOM } = load('jsdom') as { JSDOM: new (html: string) => { window: unknown } };
    const createDOMPurify = load('dompurify') as (window: unknown) => {
      sanitize(html: string, options: object): string;
    };
    const purify = createDOMPurify(new JSDOM('').window);
    const options = {
      ALLOWED_TAGS,
      ALLOWED_ATTR: [...new Set(Object.values(ALLOWED_ATTRIBUTES).flat())],
      FORBID_CONTENTS: DROPPED_WITH_CONTENT,
    };
    return {
      name: 'dompurify_jsdom',
      note: 'DOMPurify on a jsdom window, allowlist only',
      step: (html) => purify.sanitize(html, options),
    };
  });
  // ESM only: imported by file, since its package exports have no require condition.
  try {
    const ultrahtml = (await import(pathToFileURL(path.join(dir, 'ultrahtml', 'dist', 'index.js')).href)) as {
      transformSync(html: string, transformers: unknown[]): string;
    };
    const sanitizeModule = (await import(
      pathToFileURL(path.join(dir, 'ultrahtml', 'dist', 'transformers', 'sanitize.js')).href
    )) as { default: (options: object) => unknown };
    const allowAttributes: Record<string, string[]> = {};
    for (const [tag, attributes] of Object.entries(ALLOWED_ATTRIBUTES))
      for (const attribute of attributes) (allowAttributes[attribute] ??= []).push(tag);
    const transformer = sanitizeModule.default({
      allowElements: ALLOWED_TAGS,
      allowAttributes,
      dropElements: DROPPED_WITH_CONTENT,
    });
    cases.push({
      name: 'ultrahtml',
      note: 'ultrahtml transformSync + sanitize, allowlist only',
      step: (html) => ultrahtml.transformSync(html, [transformer]),
    });
  } catch (error) {
    note(`ultrahtml: not measured (${error instanceof Error ? error.message : String(error)})`);
  }
  return cases;
}

/**
 * The floor of any plain-text walker: one htmlparser2 tokenizer pass over the sanitized HTML that
 * only collects text and breaks lines at block ends (not the stored text: no <pre> handling, no
 * whitespace rules). What deriving the text from a single parse could at best save.
 */
function tokenizerPassText(html: string): string {
  let out = '';
  const parser = new Parser(
    {
      ontext(data) {
        out += data;
      },
      onclosetag(name) {
        if (name === 'p' || name === 'li' || name === 'tr' || name.startsWith('h')) out += '\n';
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return out;
}

/** Runs the whole text pipeline in a child with or without twitter-text loaded first. */
function pipelineInChild(loadTwitterText: boolean, settings: Settings): number {
  const script = `
    ${loadTwitterText ? "require('twitter-text');" : ''}
    const core = require('@careerfeed/core');
    const { buildPostInput, loadFixture } = require(${JSON.stringify(path.join(__dirname, 'support', 'posts.js'))});
    const fixture = loadFixture(${JSON.stringify(settings.fixture)});
    const inputs = Array.from({ length: ${settings.posts} }, (_, i) => buildPostInput(fixture, i).html);
    const step = (html) => { const safe = core.sanitizePostHtml(core.cleanText(html), ${JSON.stringify(BASE_URL)});
      const text = core.htmlToPlainText(safe); return core.excerptFromPlainText(text).length + core.countWords(text); };
    for (const html of inputs) step(html);
    const before = process.cpuUsage();
    for (let r = 0; r < 3; r++) for (const html of inputs) step(html);
    const used = process.cpuUsage(before);
    process.stdout.write(String((used.user + used.system) / (3 * inputs.length)));`;
  return Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

async function measure(settings: Settings): Promise<void> {
  const fixture = loadFixture(settings.fixture);
  const inputs = Array.from({ length: settings.posts }, (_, i) => cleanText(buildPostInput(fixture, i).html));
  const sanitized = inputs.map((html) => sanitizePostHtml(html, BASE_URL));
  const texts = sanitized.map((html) => htmlToPlainText(html));
  note(
    `${inputs.length} posts, mean HTML ${Math.round(inputs.reduce((s, h) => s + h.length, 0) / inputs.length)} chars, ` +
      `mean text ${Math.round(texts.reduce((s, t) => s + t.length, 0) / texts.length)} chars; ${settings.rounds} rounds`,
  );

  const baseline = (html: string) => sanitizePostHtml(html, BASE_URL);
  // The same allowlists without the URL transforms and filters: what they cost inside sanitize-html.
  const allowlistOnly: sanitizeHtml.IOptions = {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    nonTextTags: DROPPED_WITH_CONTENT,
    disallowedTagsMode: 'discard',
  };
  const cases: { name: string; note: string; inputs: readonly string[]; step: (input: string) => unknown }[] = [
    { name: 'sanitize_html', note: 'sanitizePostHtml as stored (the baseline)', inputs, step: baseline },
    {
      name: 'sanitize_html_allowlist_only',
      note: 'sanitize-html, same allowlists, no URL transforms or filters (not the stored output)',
      inputs,
      step: (html) => sanitizeHtml(html, allowlistOnly),
    },
    ...(await extraCases(settings.extraModules)).map((c) => ({ ...c, inputs })),
    {
      name: 'plain_text_html_to_text',
      note: 'htmlToPlainText (html-to-text) of the sanitized HTML, as stored',
      inputs: sanitized,
      step: htmlToPlainText,
    },
    {
      name: 'plain_text_tokenizer_floor',
      note: 'one htmlparser2 pass collecting text (the floor of a walker; not the stored text)',
      inputs: sanitized,
      step: tokenizerPassText,
    },
    { name: 'excerpt', note: 'excerptFromPlainText of the text', inputs: texts, step: excerptFromPlainText },
    { name: 'count_words', note: 'countWords of the text', inputs: texts, step: countWords },
    {
      name: 'pipeline',
      note: 'cleanText + sanitizePostHtml + htmlToPlainText + excerpt + countWords, as createPost does',
      inputs,
      step: (html) => {
        const text = htmlToPlainText(sanitizePostHtml(cleanText(html), BASE_URL));
        return excerptFromPlainText(text).length + countWords(text);
      },
    },
  ];

  for (const c of cases) {
    // Warm-up of both, then rounds alternating baseline and case under the same load.
    cpuUsPer(inputs.slice(0, 200), baseline);
    cpuUsPer(c.inputs.slice(0, 200), c.step);
    const ratios: number[] = [];
    const own: number[] = [];
    const base: number[] = [];
    for (let r = 0; r < settings.rounds; r++) {
      const b = cpuUsPer(inputs, baseline);
      const x = cpuUsPer(c.inputs, c.step);
      base.push(b);
      own.push(x);
      ratios.push(x / b);
    }
    emit({
      case: c.name,
      posts: c.inputs.length,
      cpu_us_per_post: round(median(own), 1),
      baseline_cpu_us_per_post: round(median(base), 1),
      over_sanitize_html: round(median(ratios), 3),
      note: c.note,
    });
  }

  // V8 drops its regexp split/replace fast paths for the whole process once core-js's feature
  // tests have run (twitter-text loads it); each child measures the same pipeline once.
  const clean = pipelineInChild(false, settings);
  const poisoned = pipelineInChild(true, settings);
  emit({
    case: 'pipeline_after_loading_twitter_text',
    posts: settings.posts,
    cpu_us_per_post: round(poisoned, 1),
    baseline_cpu_us_per_post: round(clean, 1),
    over_clean_process: round(poisoned / clean, 2),
    note: 'the pipeline in a child that required twitter-text first, against a child that did not',
  });
}

runBench(readSettings, note, (settings) => measure(settings));
