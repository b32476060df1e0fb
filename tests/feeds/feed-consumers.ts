import {
  execFile,
  spawnSync,
  type SpawnSyncOptionsWithStringEncoding,
  type SpawnSyncReturns,
} from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Database from 'better-sqlite3';
import { DomUtils, parseDocument } from 'htmlparser2';
import jsonFeedSchema from 'jsonfeed-schema/schema-v1.1.json';

/**
 * Real feed consumers, run on rendered feeds written to disk. None is skipped when missing: a
 * missing tool fails the test with the command that installs it (CI installs them all).
 */

/** Debian's python3, which has feedparser; `python3` on PATH may be another interpreter. */
const PYTHON = '/usr/bin/python3';
export const ATOM_SCHEMA = path.join(__dirname, '../../fixtures/atom.rnc');

function run(
  command: string,
  args: string[],
  installHint: string,
  options: Partial<SpawnSyncOptionsWithStringEncoding> = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
    ...options,
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${command} is not installed; install it with: ${installHint}`);
  }
  if (result.error) throw result.error;
  return result;
}

/** Exit status and messages of `xmllint --noout` (well-formedness). */
export function xmllint(file: string): { status: number | null; stderr: string } {
  const { status, stderr } = run('xmllint', ['--noout', file], 'apt-get install libxml2-utils');
  return { status, stderr };
}

/** The string value of an XPath expression, as libxml2 decodes the document. */
export function xpathString(file: string, expression: string): string {
  const result = run('xmllint', ['--xpath', `string(${expression})`, file], 'apt-get install libxml2-utils');
  if (result.status !== 0) throw new Error(`xmllint --xpath failed: ${result.stderr}`);
  // xmllint ends what it prints with a newline of its own.
  return result.stdout.replace(/\n$/, '');
}

/**
 * Exit status and validation errors of `jing -c atom.rnc file` (RFC 4287 schema validity). jing
 * reports errors on stdout; Debian's wrapper script warns on stderr about optional jars.
 */
export function jingAtom(file: string): { status: number | null; errors: string } {
  if (!existsSync(ATOM_SCHEMA)) throw new Error(`the Atom schema is missing: expected it at ${ATOM_SCHEMA}`);
  const { status, stdout } = run('jing', ['-c', ATOM_SCHEMA, file], 'apt-get install jing');
  return { status, errors: stdout };
}

export interface ParsedLink {
  rel: string | null;
  href: string | null;
  title: string | null;
}

export interface ParsedEntry {
  id: string | null;
  title: string | null;
  link: string | null;
  links: ParsedLink[];
  author: string | null;
  tags: string[];
  media: { url?: string; medium?: string }[];
}

export interface ParsedFeed {
  bozo: boolean;
  bozoException: string;
  version: string;
  feed: {
    title: string | null;
    updated: string | null;
    links: ParsedLink[];
    /** RSS <image><url>. */
    image: string | null;
    /** Atom <logo> and <icon>. */
    logo: string | null;
    icon: string | null;
  };
  entries: ParsedEntry[];
}

const FEEDPARSER_SCRIPT = `
import json, sys
try:
    import feedparser
except ImportError:
    sys.exit("feedparser is not installed for ${PYTHON}; install it with: apt-get install python3-feedparser")

def links(items):
    return [{"rel": l.get("rel"), "href": l.get("href"), "title": l.get("title")} for l in items]

d = feedparser.parse(sys.argv[1])
print(json.dumps({
    "bozo": bool(d.bozo),
    "bozoException": repr(d.get("bozo_exception")),
    "version": d.version,
    "feed": {"title": d.feed.get("title"), "updated": d.feed.get("updated"), "links": links(d.feed.get("links", [])),
             "image": (d.feed.get("image") or {}).get("href"), "logo": d.feed.get("logo"), "icon": d.feed.get("icon")},
    "entries": [{
        "id": e.get("id"),
        "title": e.get("title"),
        "link": e.get("link"),
        "links": links(e.get("links", [])),
        "author": e.get("author"),
        "tags": [t.get("term") for t in e.get("tags", [])],
        "media": e.get("media_content", []),
    } for e in d.entries],
}))
`;

/** Python feedparser's view of a feed file. */
export function feedparser(file: string): ParsedFeed {
  const result = run(PYTHON, ['-c', FEEDPARSER_SCRIPT, file], 'apt-get install python3 python3-feedparser');
  if (result.status !== 0) throw new Error(`feedparser failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ParsedFeed;
}

const FEEDPARSER_POLL_SCRIPT = `
import json, sys
import feedparser
url = sys.argv[1]
first = feedparser.parse(url)
second = feedparser.parse(url, etag=first.get("etag"), modified=first.get("modified"))
def view(d):
    return {"status": d.get("status"), "bozo": d.bozo, "etag": d.get("etag"), "entries": len(d.entries)}
print(json.dumps({"first": view(first), "second": view(second)}))
`;

export interface FeedparserPoll {
  first: { status: number; bozo: number | boolean; etag: string | null; entries: number };
  /** The next poll, sent with the first one's ETag and Last-Modified, as feedparser's docs advise. */
  second: { status: number; bozo: number | boolean; etag: string | null; entries: number };
}

/** Python feedparser polling a feed URL twice over HTTP (asynchronous: the server may be in this process). */
export function feedparserPoll(url: string): Promise<FeedparserPoll> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', FEEDPARSER_POLL_SCRIPT, url], { timeout: 60_000, encoding: 'utf8' }, (error, out, err) => {
      if (error) reject(new Error(`feedparser failed (apt-get install python3-feedparser): ${error.message} ${err}`));
      else resolve(JSON.parse(out) as FeedparserPoll);
    });
  });
}

export interface NewsboatResult {
  /** newsboat's own summary line, e.g. "3 unread articles". */
  summary: string;
  /** As newsboat stored them; `content` is the HTML it shows as the article. */
  items: { guid: string; title: string; url: string; content: string }[];
}

/** A fresh newsboat home in `workDir` subscribed to `feedUrl` (file:// or http://). */
function newsboatSetup(feedUrl: string, workDir: string): { args: string[]; env: NodeJS.ProcessEnv; cache: string } {
  mkdirSync(workDir, { recursive: true });
  const urls = path.join(workDir, 'urls');
  const config = path.join(workDir, 'config');
  const cache = path.join(workDir, 'cache.db');
  writeFileSync(urls, `${feedUrl}\n`);
  if (!existsSync(config)) writeFileSync(config, '');
  const env = { ...process.env, HOME: workDir, XDG_CONFIG_HOME: workDir, XDG_DATA_HOME: workDir };
  return { args: ['-x', 'reload', 'print-unread', '-u', urls, '-c', cache, '-C', config], env, cache };
}

function readNewsboatCache(cache: string, stdout: string): NewsboatResult {
  const db = new Database(cache, { readonly: true });
  try {
    const items = db
      .prepare('SELECT guid, title, url, content FROM rss_item ORDER BY pubDate DESC, id')
      .all() as NewsboatResult['items'];
    return { summary: stdout.trim(), items };
  } finally {
    db.close();
  }
}

/**
 * Headless newsboat: `-x reload print-unread` fetches the file:// URL into a fresh cache and
 * prints the unread count; what it stored is then read back from the cache database. newsboat
 * exits 0 even when a feed fails to parse, so the count is what proves it read the items.
 */
export function newsboat(feedFile: string, workDir: string): NewsboatResult {
  const { args, env, cache } = newsboatSetup(`file://${feedFile}`, workDir);
  const result = run('newsboat', args, 'apt-get install newsboat', { env, cwd: workDir });
  if (result.status !== 0) throw new Error(`newsboat exited ${String(result.status)}: ${result.stderr}`);
  return readNewsboatCache(cache, result.stdout);
}

/**
 * The same over HTTP, as a reader who added the feed's URL: asynchronous, because the server
 * answering it may run in this very process. Reloading again with the same `workDir` is
 * newsboat's next poll (it sends the validators it kept).
 */
export async function newsboatOverHttp(feedUrl: string, workDir: string): Promise<NewsboatResult> {
  const { args, env, cache } = newsboatSetup(feedUrl, workDir);
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile('newsboat', args, { env, cwd: workDir, timeout: 60_000, encoding: 'utf8' }, (error, out, err) => {
      if (error) reject(new Error(`newsboat failed (apt-get install newsboat): ${error.message} ${err}`));
      else resolve({ stdout: out });
    });
  });
  return readNewsboatCache(cache, stdout);
}

/** The links of the "Related posts" list at the end of an item's HTML, as an HTML parser reads them. */
export function relatedPostsListIn(html: string): { href: string; text: string }[] {
  const dom = parseDocument(html);
  const heading = DomUtils.findOne(
    (el) => el.name === 'h3' && DomUtils.textContent(el) === 'Related posts',
    dom.children,
  );
  const list = heading === null ? null : DomUtils.nextElementSibling(heading);
  if (list === null) return [];
  return DomUtils.getElementsByTagName('a', list).map((a) => ({
    href: a.attribs.href ?? '',
    text: DomUtils.textContent(a),
  }));
}

/** Names of the elements an HTML parser finds, e.g. to prove no <script> got through. */
export function htmlElementNames(html: string): string[] {
  return DomUtils.findAll(() => true, parseDocument(html).children).map((el) => el.name);
}

const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validateJsonFeedSchema = ajv.compile(jsonFeedSchema);

/** Errors from the jsonfeed-schema v1.1 JSON Schema (draft-07); an empty list means valid. */
export function jsonFeedSchemaErrors(feed: unknown): string[] {
  if (validateJsonFeedSchema(feed)) return [];
  return (validateJsonFeedSchema.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}
