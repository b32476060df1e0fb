import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The related-posts thread is a V8 isolate of its own: every module it loads stays in its heap for
 * the worker's lifetime. It imports the slim entry points (`@careerfeed/core/related`,
 * `@careerfeed/posts/related`); the packages' indexes would also load BullMQ, the mail renderer
 * (MJML, juice), the feed parsers and the HTTP helpers — about 1,700 more modules and 30 MB more
 * heap (docs/benchmarks.md, "Before and after the package move").
 */
const THREAD_FILE = path.join(__dirname, '..', '..', 'services', 'worker', 'dist', 'related', 'related-posts.thread.js');

/** Outside a worker thread the file loads its imports, then refuses to run: what it loaded is what a thread loads. */
const LOAD_THREAD_FILE = `
try { require(process.argv[1]); } catch (error) { process.stderr.write(String(error.message)); }
const packages = new Set();
for (const file of Object.keys(require.cache)) {
  const match = /node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(file);
  if (match) packages.add(match[1]);
}
process.stdout.write(JSON.stringify([...packages].sort()));
`;

describe('the related-posts thread', () => {
  it('loads the database layer and the related-posts code, not the queue, mail or feed libraries', () => {
    const child = spawnSync(process.execPath, ['-e', LOAD_THREAD_FILE, THREAD_FILE], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    // The whole file was read: it stopped at its own check, not at a missing module.
    expect(child.stderr).toContain('must run as a worker thread');
    const loaded = JSON.parse(child.stdout) as string[];
    expect(loaded).toEqual(expect.arrayContaining(['kysely', 'better-sqlite3', 'wink-porter2-stemmer']));
    for (const heavy of ['bullmq', 'ioredis', 'mjml', 'mjml-core', 'juice', 'feedsmith', 'express', 'prom-client'])
      expect(loaded).not.toContain(heavy);
  });
});
