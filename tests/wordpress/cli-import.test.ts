import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { writeSyntheticWxr } from '../../bench/src/support/wxr';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { ROOT, runCli, runNode } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';

const FIXTURE = path.join(ROOT, 'fixtures', 'wordpress', 'career-center.wxr');
const BASE = 'https://news.example.edu';

function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(candidate)) return candidate;
  return 'nginx';
}

/** A minimal nginx configuration that includes the generated map and redirects with it, as docs/operations.md says. */
function nginxConfig(dir: string, mapFile: string, port: number): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  include ${mapFile};
  server {
    listen 127.0.0.1:${port};
    if ($careerfeed_wordpress_redirect) { return 301 $careerfeed_wordpress_redirect; }
    if ($careerfeed_wordpress_redirect_by_id) { return 301 $careerfeed_wordpress_redirect_by_id; }
    return 404;
  }
}
`;
}

function get(port: number, pathAndQuery: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathAndQuery }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
      .on('error', reject);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await get(port, '/');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nginx did not listen on ${port}`);
}

describe('npm run cli -- import wordpress', () => {
  let database: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let nginx: ChildProcess | undefined;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-wp-cli-'));
    // nginx drops its worker to "nobody", which must be able to read the map.
    fs.chmodSync(dir, 0o755);
    env = { DATABASE_URL: database.url, DATA_DIR: dir, PUBLIC_BASE_URL: BASE };
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const done = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await done;
    }
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('when an export is imported, then it prints the counts and writes a redirect map that nginx accepts and follows', async () => {
    const out = path.join(dir, 'redirects');
    const result = await runCli(['import', 'wordpress', FIXTURE, '--out-dir', out], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'https://careers.example.edu (WXR 1.2): 5 imported, 0 updated, 0 unchanged, 5 skipped; 3 author(s)',
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        '  skipped 1: in the trash',
        '  skipped 1: page (only posts are imported)',
        '  skipped 1: menu item',
        'comments: 6 imported, 0 already imported, 4 skipped (1 pingback, 1 not approved (pending moderation), 1 in the trash, 1 trackback)',
      ]),
    );

    const csv = fs.readFileSync(path.join(out, 'wordpress-redirects.csv'), 'utf8');
    expect(csv.split('\n')).toEqual([
      'old_path,new_url',
      `/2026/09/14/fall-career-fair-how-to-prepare/,${BASE}/posts/fall-career-fair-how-to-prepare`,
      `/2026/08/03/resume-basics/,${BASE}/posts/resume-basics`,
      `/2026/07/20/%e6%b1%82%e8%81%b7%e6%b4%bb%e5%8b%95%e3%81%ae%e5%a7%8b%e3%82%81%e6%96%b9/,${BASE}/posts/%E6%B1%82%E8%81%B7%E6%B4%BB%E5%8B%95%E3%81%AE%E5%A7%8B%E3%82%81%E6%96%B9`,
      `/?p=130,${BASE}/posts/winter-networking-night`,
      '',
    ]);

    // The real nginx checks the include, then serves the redirects.
    const mapFile = path.join(out, 'wordpress-redirects.nginx.conf');
    fs.chmodSync(out, 0o755);
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    const port = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, nginxConfig(dir, mapFile, port));
    const check = execFileSync(nginxBinary(), ['-t', '-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(check).toBe('');
    nginx = spawn(nginxBinary(), ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    await waitForPort(port);
    expect(await get(port, '/2026/08/03/resume-basics/')).toEqual({
      status: 301,
      location: `${BASE}/posts/resume-basics`,
    });
    expect(await get(port, '/2026/08/03/resume-basics')).toEqual({
      status: 301,
      location: `${BASE}/posts/resume-basics`,
    });
    // Browsers send upper-case percent-encoding; WordPress wrote lower case. nginx matches the decoded path.
    expect(
      await get(port, '/2026/07/20/%E6%B1%82%E8%81%B7%E6%B4%BB%E5%8B%95%E3%81%AE%E5%A7%8B%E3%82%81%E6%96%B9/'),
    ).toEqual({
      status: 301,
      location: `${BASE}/posts/%E6%B1%82%E8%81%B7%E6%B4%BB%E5%8B%95%E3%81%AE%E5%A7%8B%E3%82%81%E6%96%B9`,
    });
    expect(await get(port, '/?p=130')).toEqual({ status: 301, location: `${BASE}/posts/winter-networking-night` });
    expect((await get(port, '/about/')).status).toBe(404);
  });

  test('when the file is not a WordPress export, then it exits 1 with the reason and imports nothing', async () => {
    const bad = path.join(dir, 'feed.xml');
    fs.writeFileSync(bad, '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>');
    const before = await database.db.kysely.selectFrom('posts').select('id').execute();
    const result = await runCli(['import', 'wordpress', bad, '--out-dir', path.join(dir, 'bad')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: not a WordPress export \(WXR\): the <rss> element declares no WordPress export namespace/,
    );
    expect(await database.db.kysely.selectFrom('posts').select('id').execute()).toHaveLength(before.length);
    expect(fs.existsSync(path.join(dir, 'bad'))).toBe(false);
  });

  // ~120 MB here (the suite's time budget); bench:import reads a ~200 MB export the same way.
  test('when a large export is imported, then memory stays bounded and progress is shown on stderr', async () => {
    const big = path.join(dir, 'big.wxr');
    await writeSyntheticWxr(big, {
      posts: 60,
      bodyBytes: 2000,
      revisionBytes: 2 * 1024 * 1024,
      site: 'https://big.example.edu',
    });
    const size = fs.statSync(big).size;
    expect(size).toBeGreaterThan(120 * 1024 * 1024);

    const result = await runNode(
      [
        // A heap far smaller than the file: an importer that held the export (or its posts) whole
        // would die here, whatever the machine's load does to garbage collection.
        '--max-old-space-size=96',
        '--require',
        path.join(__dirname, 'support', 'report-peak-rss.js'),
        path.join(ROOT, 'services', 'cli', 'dist', 'main.js'),
        'import',
        'wordpress',
        big,
        '--out-dir',
        path.join(dir, 'big-redirects'),
      ],
      env,
      240_000,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('60 imported, 0 updated, 0 unchanged, 120 skipped');
    const peakKib = Number(/peak-rss-kib (\d+)/.exec(result.stderr)?.[1]);
    // The CLI's own footprint (modules, database driver) measured on the small fixture: holding the
    // big file whole, even once as a one-byte string, would add at least its size to that.
    const small = await runNode(
      [
        '--require',
        path.join(__dirname, 'support', 'report-peak-rss.js'),
        path.join(ROOT, 'services', 'cli', 'dist', 'main.js'),
        'import',
        'wordpress',
        FIXTURE,
        '--out-dir',
        path.join(dir, 'small-redirects'),
      ],
      env,
    );
    const baselineKib = Number(/peak-rss-kib (\d+)/.exec(small.stderr)?.[1]);
    expect(baselineKib).toBeGreaterThan(0);
    expect((peakKib - baselineKib) * 1024).toBeLessThan(size);
    expect(result.stderr).toMatch(/ {2}(checking|importing) \d+% \(\d+\.\d of \d+\.\d MiB, \d+ items, \d+ s\)/);
  }, 300_000);
});
