import { spawn } from 'node:child_process';
import type { Cleanup } from './cleanup';
import { SetupError } from './errors';

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface WrkResult {
  requests: number;
  reqPerS: number;
  /** Latency percentiles from `--latency`, in ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Bytes read per request (headers and body, as wrk counts them). */
  bytesPerReq: number;
  /** Responses outside 2xx/3xx plus socket errors (connect, read, write, timeout). */
  errors: number;
  /** CPU time wrk itself used (user + system), in ms, or undefined where it cannot be read. */
  clientCpuMs: number | undefined;
  elapsedS: number;
  raw: string;
}

/**
 * Runs Debian's `wrk` once and parses its text report. wrk runs under a `sh` whose last act is to
 * print its own /proc stat line: by then wrk has been waited for, so the shell's `cutime`/`cstime`
 * hold wrk's CPU time — how close the load generator itself came to a full core.
 */
export async function runWrk(cleanup: Cleanup, options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--timeout',
    '10s',
    '--latency',
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  // A process group of its own, so stopping it early reaches wrk and not only the shell.
  const child = spawn('sh', ['-c', 'wrk "$@" && cat /proc/$$/stat', 'wrk', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const kill = () => signalGroup('SIGKILL');
  const unregister = cleanup.add('stop wrk', kill, kill);
  const onAbort = () => signalGroup('SIGTERM');
  options.signal?.addEventListener('abort', onAbort);
  // Bounded: wrk stops itself after the duration; anything much later is a hang.
  const watchdog = setTimeout(kill, (options.durationS + 30) * 1000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  }).finally(() => {
    clearTimeout(watchdog);
    options.signal?.removeEventListener('abort', onAbort);
  });
  await unregister();
  if (code !== 0) {
    if (/wrk: (not found|No such file)/.test(stderr))
      throw new SetupError('wrk is not installed (apt-get install wrk)');
    throw new Error(`wrk ${args.join(' ')} exited with ${code}:\n${stderr}${stdout}`);
  }
  return parseWrk(stdout);
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

function timeMs(value: string, unit: string): number {
  const factor = TIME_UNITS[unit];
  if (factor === undefined) throw new Error(`wrk: unknown time unit ${unit}`);
  return Number(value) * factor;
}

export function parseWrk(text: string): WrkResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrk output without ${what}:\n${text}`);
    return m;
  };
  const percentile = (p: string) => {
    const m = need(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm'), `the ${p}% latency line`);
    return timeMs(m[1]!, m[2]!);
  };
  const total = need(/^\s+(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)(B|KB|MB|GB|TB) read/m, 'the totals line');
  const requests = Number(total[1]);
  const bytes = Number(total[4]) * SIZE_UNITS[total[5]!]!;
  const latency = need(/^\s+Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s|m|h)/m, 'the latency stats');
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors =
    (non2xx ? Number(non2xx[1]) : 0) + (socket ? socket.slice(1, 5).reduce((sum, v) => sum + Number(v), 0) : 0);
  // The shell's stat line: "pid (sh) S ppid …"; cutime and cstime are fields 16 and 17.
  let clientCpuMs: number | undefined;
  const stat = /^\d+ \(sh\) (.*)$/m.exec(text);
  if (stat) {
    const fields = stat[1]!.split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    if (Number.isFinite(ticks)) clientCpuMs = ticks * 10;
  }
  return {
    requests,
    reqPerS: Number(need(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec')[1]),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    maxMs: timeMs(latency[1]!, latency[2]!),
    bytesPerReq: requests > 0 ? Math.round(bytes / requests) : 0,
    errors,
    clientCpuMs,
    elapsedS: timeMs(total[2]!, total[3]!) / 1000,
    raw: text,
  };
}
