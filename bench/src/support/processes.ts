import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { Cleanup } from './cleanup';
import { SetupError } from './errors';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** A child process whose last output is kept, so a failure can say why the child died. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last few KB of the child's stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_KEPT = 8192;

export function spawnManaged(
  cleanup: Cleanup,
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ManagedProcess {
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(`\n[${name}: ${error.message}]\n`)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
    // 'exit' never comes when the spawn itself failed (command not found).
    child.once('error', () => resolve());
  });

  const isRunning = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;

  async function terminate(graceMs = 10_000): Promise<void> {
    if (!isRunning()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  const unregister = cleanup.add(
    `stop ${name}`,
    () => terminate(),
    () => {
      if (isRunning()) child.kill('SIGKILL');
    },
  );

  return {
    name,
    child,
    output: () => output,
    stop: async (graceMs) => {
      await terminate(graceMs);
      await unregister();
    },
  };
}

export async function waitForPort(port: number, managed: ManagedProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    assertAlive(managed, 'while starting');
    if (Date.now() > deadline)
      throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms\n${managed.output()}`);
    await sleep(50);
  }
}

function assertAlive(managed: ManagedProcess, when: string): void {
  const { child } = managed;
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new SetupError(
      `${managed.name} exited ${when} (code ${child.exitCode}, signal ${child.signalCode}):\n${managed.output()}`,
    );
  }
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** A private, non-persistent redis-server on a free port; nothing of the machine's Redis is touched. */
export async function startRedisServer(cleanup: Cleanup, dir: string): Promise<RedisServer> {
  const port = await freePort();
  const server = spawnManaged(cleanup, 'redis-server', 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  await waitForPort(port, server);
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.stop(5000) };
}

/** GET /healthz until it answers 200 (both the database and Redis are reachable). */
export async function waitForHealthy(port: number, service: ManagedProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
    });
    if (status === 200) return;
    last = status === 0 ? 'no answer' : `HTTP ${status}`;
    assertAlive(service, 'before becoming healthy');
    if (Date.now() > deadline)
      throw new Error(`GET /healthz on port ${port}: ${last} after ${timeoutMs} ms\n${service.output()}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from /proc; undefined
 * where /proc is not available. CPU time, unlike posts per second, does not change when other
 * work on the machine competes for the cores, so it is the steadier figure on a shared box.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is the first; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux architecture Node supports.
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
