/**
 * `npm run bench:import`: the WordPress import. A generated WordPress export of BENCH_POSTS posts
 * (10,000 by default, each with a featured-image attachment) is imported through the posts service,
 * as `npm run cli -- import wordpress` does; in the same run the baseline is the rate of inserting
 * the same number of posts straight through the posts repository (one transaction per post, with
 * its tags, no parsing, cleaning, sanitizing or outbox), so the figure is a ratio. Then a large
 * export (BENCH_STREAM_MB, ~200 MB by default, mostly revisions) is imported by the real CLI in a
 * child process, whose peak RSS is reported. Results are JSON lines on stdout; progress on stderr.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Dialect, type PostRow, createDb, uuidv7 } from '@careerfeed/db';
import { type CreatePostInput, createPostsBatch, postsRepository, upsertAuthor } from '@careerfeed/posts';
import { type WxrAuthor, importWordPressExport, mapWxrItem, readWxr } from '@careerfeed/wordpress';
import { SetupError } from './support/errors';
import { runBench } from './support/run-bench';
import { round } from './support/load';
import { intSettingsReader } from './support/settings';
import { type Store, assertPostgresReachable, createStore } from './support/stores';
import { writeSyntheticWxr } from './support/wxr';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI_MAIN = path.join(ROOT, 'services', 'cli', 'dist', 'main.js');
const PEAK_RSS = path.join(ROOT, 'tests', 'wordpress', 'support', 'report-peak-rss.js');
const PUBLIC_BASE_URL = 'https://careers.example.edu';

interface Settings {
  posts: number;
  streamMb: number;
  commentsPerPost: number;
  dbs: Dialect[];
  pgAdminUrl: string;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const dbs = (env.BENCH_DBS || 'sqlite').split(',').map((s) => s.trim());
  if (!dbs.every((db) => db === 'sqlite' || db === 'postgres'))
    problems.push(`BENCH_DBS: a comma-separated list of sqlite, postgres (got ${JSON.stringify(env.BENCH_DBS)})`);
  const settings: Settings = {
    posts: int('BENCH_POSTS', 10_000, 10, 1_000_000),
    streamMb: int('BENCH_STREAM_MB', 200, 0, 4096),
    commentsPerPost: int('BENCH_COMMENTS_PER_POST', 4, 0, 100),
    dbs: [...new Set(dbs)] as Dialect[],
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  if (problems.length > 0) throw new SetupError(problems.join('\n'));
  return settings;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

const BATCH = 100;

function baselineRow(i: number, authorId: string, html: string, now: string): PostRow {
  return {
    id: uuidv7(),
    slug: `baseline-post-${i}`,
    title: `Baseline post ${i}`,
    html,
    excerpt: 'Career advice for students and alumni.',
    text_content: 'Career advice for students and alumni.',
    word_count: 6,
    author_id: authorId,
    category: 'advice',
    status: 'published',
    published_at: '2025-01-01T10:00:00Z',
    published_at_utc: '2025-01-01T10:00:00.000Z',
    canonical_url: null,
    image: null,
    content_hash: String(i),
    created_at: now,
    updated_at: now,
    source: 'bench',
    external_id: String(i),
  };
}

/**
 * The storage ceiling: the same number of posts inserted through the repository, 100 per
 * transaction as the import writes them, with no parsing, cleaning, sanitizing or outbox.
 */
async function measureRepositoryInsert(store: Store, posts: number): Promise<number> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const author = {
      id: uuidv7(),
      slug: 'editor',
      name: 'The Editor',
      bio: '',
      links: '{}',
      created_at: '',
      updated_at: '',
    };
    const now = new Date().toISOString();
    author.created_at = now;
    author.updated_at = now;
    await db.kysely.insertInto('authors').values(author).execute();
    const html = '<p>Career advice for students and alumni.</p>'.repeat(40);
    const started = performance.now();
    for (let first = 1; first <= posts; first += BATCH) {
      await db.kysely.transaction().execute(async (trx) => {
        for (let i = first; i < first + BATCH && i <= posts; i++) {
          const row: PostRow = baselineRow(i, author.id, html, now);
          await postsRepository.insertPost(trx, row);
          await postsRepository.replacePostTags(trx, row.id, [{ slug: `tag-${i % 50}`, name: `Tag ${i % 50}` }]);
        }
      });
    }
    return posts / ((performance.now() - started) / 1000);
  } finally {
    await db.close();
  }
}

/**
 * The posts service alone: the inputs the import would hand it (parsed, cleaned and mapped
 * beforehand, outside the timing), saved with createPostsBatch, 100 per transaction. The gap
 * between this and the import is the import's own cost (reading XML twice, cleanup, mapping).
 */
async function measureServiceBatch(store: Store, file: string): Promise<number> {
  const attachments = new Map<string, string>();
  const authors = new Map<string, WxrAuthor>();
  let siteUrl = '';
  for await (const event of readWxr(file, { skipBodies: true })) {
    if (event.type === 'channel') {
      siteUrl = event.channel.baseSiteUrl;
      for (const author of event.channel.authors) authors.set(author.login, author);
    } else if (event.item.postType === 'attachment') attachments.set(event.item.postId, event.item.attachmentUrl);
  }
  const inputs: CreatePostInput[] = [];
  for await (const event of readWxr(file)) {
    if (event.type !== 'item') continue;
    const mapped = mapWxrItem(event.item, { siteUrl, authors, attachments, fallbackAuthorName: 'Blog' });
    if (mapped.kind === 'post') inputs.push(mapped.input);
  }
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const deps = { db, publicBaseUrl: PUBLIC_BASE_URL };
    const first = inputs[0]!.author;
    if (typeof first !== 'string') await upsertAuthor(db.kysely, first, new Date().toISOString());
    for (const input of inputs) if (typeof input.author !== 'string') input.author = input.author.slug;
    const started = performance.now();
    for (let at = 0; at < inputs.length; at += BATCH) await createPostsBatch(deps, inputs.slice(at, at + BATCH));
    return inputs.length / ((performance.now() - started) / 1000);
  } finally {
    await db.close();
  }
}

async function measureImport(
  store: Store,
  file: string,
): Promise<{ postsPerS: number; seconds: number; imported: number; comments: number }> {
  const db = createDb(store.url, { poolSize: 1 });
  try {
    const started = performance.now();
    const summary = await importWordPressExport({ db, publicBaseUrl: PUBLIC_BASE_URL }, file);
    const seconds = (performance.now() - started) / 1000;
    if (summary.failed.length > 0)
      throw new SetupError(`import failed for ${summary.failed.length} post(s): ${summary.failed[0]!.reason}`);
    if (summary.comments.failed.length > 0)
      throw new SetupError(
        `import refused ${summary.comments.failed.length} comment(s): ${summary.comments.failed[0]!.detail}`,
      );
    return {
      postsPerS: summary.imported / seconds,
      seconds,
      imported: summary.imported,
      comments: summary.comments.imported,
    };
  } finally {
    await db.close();
  }
}

/** The real CLI reading a large export: wall time and the child's peak RSS. */
function runCliImport(
  store: Store,
  file: string,
  dir: string,
): Promise<{ seconds: number; peakRssKib: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--require', PEAK_RSS, CLI_MAIN, 'import', 'wordpress', file, '--out-dir', dir],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          DATABASE_URL: store.url,
          DATA_DIR: dir,
          PUBLIC_BASE_URL,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const peak = /peak-rss-kib (\d+)/.exec(stderr);
      if (code !== 0 || !peak) reject(new SetupError(`CLI import exited ${code}: ${stderr.slice(-500)}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakRssKib: Number(peak[1]), stdout });
    });
  });
}

runBench(readSettings, note, async (settings, cleanup) => {
  if (!fs.existsSync(CLI_MAIN)) throw new SetupError(`${CLI_MAIN} is missing; build first (npx tsc -b)`);
  if (settings.dbs.includes('postgres')) await assertPostgresReachable(settings.pgAdminUrl);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-import-'));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);
  note(
    `${settings.posts} posts; ${settings.dbs.join(', ')}; ${os.cpus().length} CPUs, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const file = path.join(tmpDir, 'export.wxr');
  await writeSyntheticWxr(file, { posts: settings.posts, bodyBytes: 2000 });
  const bytes = fs.statSync(file).size;
  // The same posts with comments: the import's cost per comment, against the same import without.
  const withComments = path.join(tmpDir, 'export-comments.wxr');
  if (settings.commentsPerPost > 0) {
    await writeSyntheticWxr(withComments, {
      posts: settings.posts,
      bodyBytes: 2000,
      commentsPerPost: settings.commentsPerPost,
    });
  }

  for (const dialect of settings.dbs) {
    const baselineStore = await createStore(cleanup, dialect, 'import_baseline', {
      dir: tmpDir,
      pgAdminUrl: settings.pgAdminUrl,
    });
    note(`${dialect}: repository insert baseline`);
    const baseline = await measureRepositoryInsert(baselineStore, settings.posts);
    const serviceStore = await createStore(cleanup, dialect, 'import_service', {
      dir: tmpDir,
      pgAdminUrl: settings.pgAdminUrl,
    });
    note(`${dialect}: posts service batches (pre-mapped inputs)`);
    const service = await measureServiceBatch(serviceStore, file);
    const importStore = await createStore(cleanup, dialect, 'import_wxr', {
      dir: tmpDir,
      pgAdminUrl: settings.pgAdminUrl,
    });
    note(`${dialect}: WordPress import`);
    const run = await measureImport(importStore, file);
    emit({ case: 'repository-insert', db: dialect, posts: settings.posts, posts_per_s: round(baseline, 1) });
    emit({
      case: 'posts-service-batch',
      db: dialect,
      posts: settings.posts,
      posts_per_s: round(service, 1),
      ratio_to_repository_insert: round(service / baseline, 3),
    });
    emit({
      case: 'wordpress-import',
      db: dialect,
      posts: run.imported,
      file_mb: round(bytes / 1024 / 1024, 1),
      seconds: round(run.seconds, 2),
      posts_per_s: round(run.postsPerS, 1),
      ratio_to_repository_insert: round(run.postsPerS / baseline, 3),
      ratio_to_posts_service_batch: round(run.postsPerS / service, 3),
    });
    if (settings.commentsPerPost > 0) {
      const commentsStore = await createStore(cleanup, dialect, 'import_wxr_comments', {
        dir: tmpDir,
        pgAdminUrl: settings.pgAdminUrl,
      });
      note(`${dialect}: WordPress import with ${settings.commentsPerPost} comments per post`);
      const withRun = await measureImport(commentsStore, withComments);
      emit({
        case: 'wordpress-import-with-comments',
        db: dialect,
        posts: withRun.imported,
        comments: withRun.comments,
        seconds: round(withRun.seconds, 2),
        comments_per_s: round(withRun.comments / Math.max(1e-9, withRun.seconds - run.seconds), 1),
        ratio_seconds_to_import_without_comments: round(withRun.seconds / run.seconds, 3),
      });
    }
  }

  if (settings.streamMb > 0) {
    const big = path.join(tmpDir, 'big.wxr');
    const revisionBytes = 2 * 1024 * 1024;
    const posts = Math.max(1, Math.round((settings.streamMb * 1024 * 1024) / revisionBytes));
    await writeSyntheticWxr(big, { posts, bodyBytes: 2000, revisionBytes, site: 'https://big.example.edu' });
    const bigBytes = fs.statSync(big).size;
    const store = await createStore(cleanup, 'sqlite', 'import_stream', {
      dir: tmpDir,
      pgAdminUrl: settings.pgAdminUrl,
    });
    note(`streaming: ${round(bigBytes / 1024 / 1024, 1)} MB export through the CLI`);
    const run = await runCliImport(store, big, tmpDir);
    emit({
      case: 'cli-import-large-file',
      db: 'sqlite',
      file_mb: round(bigBytes / 1024 / 1024, 1),
      posts,
      seconds: round(run.seconds, 2),
      mb_per_s: round(bigBytes / 1024 / 1024 / run.seconds, 1),
      peak_rss_mb: round(run.peakRssKib / 1024, 1),
    });
  }
});
