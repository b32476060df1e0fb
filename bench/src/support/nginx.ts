import fs from 'node:fs';
import path from 'node:path';
import type { Cleanup } from './cleanup';
import { SetupError } from './errors';
import { freePort, spawnManaged, waitForPort } from './processes';

export interface StaticFile {
  /** URL path, e.g. `/feed.xml`; the file is written under the document root with the same name. */
  urlPath: string;
  contentType: string;
  body: Buffer;
  /** Written as `<name>.gz` next to it, for `gzip_static on`. */
  gzip?: Buffer;
  /** Extra response headers, so both servers send about the same header bytes. */
  headers?: Record<string, string>;
}

export interface NginxServer {
  port: number;
  /** The one worker process (`worker_processes 1`), whose CPU time is the server's. */
  workerPid: number | undefined;
  stop(): Promise<void>;
}

/**
 * nginx serving `files` from a directory under `dir`: one worker process (the feed service is one
 * Node process too), no access log, sendfile, `etag on` (nginx's ETag is mtime-size, so the 304
 * case must send nginx's own ETag), `gzip_static on` with a precompressed `.gz` (the same bytes the
 * feed service sent), keep-alive without a request cap (Node's server has none either).
 */
export async function startNginx(cleanup: Cleanup, dir: string, files: StaticFile[]): Promise<NginxServer> {
  const root = path.join(dir, 'www');
  fs.mkdirSync(root, { recursive: true });
  // Run as root, nginx drops its worker to `nobody`, which must be able to read the files.
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(root, 0o755);
  for (const file of files) {
    const target = path.join(root, file.urlPath.replace(/^\/+/, ''));
    fs.writeFileSync(target, file.body, { mode: 0o644 });
    if (file.gzip) fs.writeFileSync(`${target}.gz`, file.gzip, { mode: 0o644 });
  }
  const port = await freePort();
  const locations = files
    .map((file) => {
      const headers = Object.entries(file.headers ?? {})
        .map(([name, value]) => `      add_header ${name} ${JSON.stringify(value)};`)
        .join('\n');
      return [
        `    location = ${file.urlPath} {`,
        `      default_type ${JSON.stringify(file.contentType)};`,
        '      etag on;',
        `      gzip_static ${file.gzip ? 'on' : 'off'};`,
        headers,
        '    }',
      ].join('\n');
    })
    .join('\n');
  return runNginx(
    cleanup,
    dir,
    port,
    `  server {\n    listen 127.0.0.1:${port};\n    root ${root};\n${locations}\n  }`,
  );
}

/**
 * deploy/nginx/careerfeed.conf as production runs it, with only its addresses changed: the feed
 * service at `upstreamPort`, nginx on `listenPort` and its refresh server on `refreshPort`
 * (loopback), its cache under `dir`.
 */
export function deployedFeedCacheConfig(
  dir: string,
  upstreamPort: number,
  listenPort: number,
  refreshPort: number,
): string {
  const deployed = fs.readFileSync(DEPLOYED_FEED_CACHE_CONF, 'utf8');
  const swaps: [RegExp, string][] = [
    [/server feed:3002;/, `server 127.0.0.1:${upstreamPort};`],
    [/listen 80;/, `listen 127.0.0.1:${listenPort};`],
    [/listen 8081;/, `listen 127.0.0.1:${refreshPort};`],
    [/\/var\/cache\/nginx\/careerfeed/, path.join(dir, 'cache')],
  ];
  return swaps.reduce((conf, [pattern, replacement]) => {
    if (!pattern.test(conf)) throw new Error(`${DEPLOYED_FEED_CACHE_CONF} no longer contains ${pattern.source}`);
    return conf.replace(pattern, replacement);
  }, deployed);
}

export const DEPLOYED_FEED_CACHE_CONF = path.resolve(__dirname, '..', '..', '..', 'deploy', 'nginx', 'careerfeed.conf');

export interface FeedCacheNginx extends NginxServer {
  /** The refresh server's port (8081 in the deployed file): what FEED_CACHE_REFRESH_URL points at. */
  refreshPort: number;
}

/** nginx in front of the feed service at `upstreamPort`, configured by deploy/nginx/careerfeed.conf. */
export async function startFeedCacheNginx(
  cleanup: Cleanup,
  dir: string,
  upstreamPort: number,
): Promise<FeedCacheNginx> {
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const refreshPort = await freePort();
  const server = await runNginx(cleanup, dir, port, deployedFeedCacheConfig(dir, upstreamPort, port, refreshPort));
  return { ...server, refreshPort };
}

/** One nginx master with one worker, in the foreground, serving `httpBlock` inside the shared settings. */
async function runNginx(cleanup: Cleanup, dir: string, port: number, httpBlock: string): Promise<NginxServer> {
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `# Written by careerfeed's bench/tests.
daemon off;
master_process on;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  types { }
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  client_body_temp_path ${path.join(dir, 'client_body')};
  proxy_temp_path ${path.join(dir, 'proxy')};
  fastcgi_temp_path ${path.join(dir, 'fastcgi')};
  uwsgi_temp_path ${path.join(dir, 'uwsgi')};
  scgi_temp_path ${path.join(dir, 'scgi')};
${httpBlock}
}
`,
  );

  // The master only; if it were killed hard its worker would keep serving, so the worker is
  // registered for killing too (added first, so it runs after the master's stop).
  let workerPid: number | undefined;
  const killWorker = () => {
    if (workerPid !== undefined && isNginxWorker(workerPid)) process.kill(workerPid, 'SIGKILL');
  };
  const unregisterWorker = cleanup.add('kill nginx worker', killWorker, killWorker);
  const nginx = spawnManaged(cleanup, 'nginx', 'nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf]);
  try {
    await waitForPort(port, nginx);
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test(nginx.output()))
      throw new SetupError('nginx is not installed (apt-get install nginx-light or nginx)');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log}`);
  }
  const pid = nginx.child.pid;
  for (let i = 0; i < 50 && workerPid === undefined; i++) {
    workerPid = pid === undefined ? undefined : childrenOf(pid)[0];
    if (workerPid === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    workerPid,
    stop: async () => {
      // SIGTERM is nginx's fast shutdown; the master waits for its worker before exiting.
      await nginx.stop(5000);
      killWorker();
      await unregisterWorker();
    },
  };
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

function isNginxWorker(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('nginx: worker');
  } catch {
    return false;
  }
}
