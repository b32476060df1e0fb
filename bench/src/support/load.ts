import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface LoadResult {
  /** Operations started (equals the requested count unless the run was aborted). */
  attempted: number;
  elapsedMs: number;
  /** Latency of each attempted operation, failed ones included, in milliseconds. */
  latenciesMs: Float64Array;
  errors: number;
  firstError: string | undefined;
  aborted: boolean;
}

export interface LoadOptions {
  /**
   * Give the event loop a turn before each operation, as a request arriving on a socket would.
   * Needed for in-process calls on SQLite: better-sqlite3 answers synchronously, so a chain of
   * awaits never leaves the microtask queue, and timers (the outbox relay's) would not run until
   * the whole load is over.
   */
  yieldBetween?: boolean;
  /** Stop after more than this many failures (default: 1% of `count`, at least 10). */
  maxErrors?: number;
  /** Stop starting operations once aborted (the bench was interrupted). */
  signal?: AbortSignal;
}

/**
 * Runs `op(0..count-1)` with exactly `concurrency` operations in flight (a closed loop: each of
 * `concurrency` workers starts the next operation when its previous one finished), timing each.
 * A broken setup must not turn into thousands of timeouts, so the run stops once more than
 * `maxErrors` operations have failed.
 */
export async function runLoad(
  count: number,
  concurrency: number,
  op: (index: number) => Promise<void>,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const maxErrors = options.maxErrors ?? Math.max(10, Math.floor(count / 100));
  const latencies = new Float64Array(count);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  let aborted = false;

  async function worker(): Promise<void> {
    for (;;) {
      if (options.signal?.aborted) aborted = true;
      if (aborted) return;
      const index = next++;
      if (index >= count) return;
      const started = performance.now();
      try {
        // Inside the timing: waiting for the loop is the in-process twin of a request's queueing.
        if (options.yieldBetween) await nextTurn();
        await op(index);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
        if (errors > maxErrors) aborted = true;
      }
      latencies[index] = performance.now() - started;
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const elapsedMs = performance.now() - started;
  const attempted = Math.min(next, count);
  return { attempted, elapsedMs, latenciesMs: latencies.subarray(0, attempted), errors, firstError, aborted };
}

export interface Summary {
  posts_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export function summarize(result: LoadResult): Summary {
  const sorted = Float64Array.from(result.latenciesMs).sort();
  return {
    posts_per_s: round((result.attempted - result.errors) / (result.elapsedMs / 1000), 1),
    p50_ms: round(percentile(sorted, 0.5), 2),
    p99_ms: round(percentile(sorted, 0.99), 2),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
  };
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Times a synchronous step over `inputs` on this thread after `warmup` untimed calls: the cost of
 * one stage of the pipeline without I/O. Wall time moves with other load on the machine; CPU time
 * (the process's, so GC helper threads count too) much less.
 */
export function timeSync<T>(
  inputs: readonly T[],
  warmup: number,
  step: (input: T) => unknown,
): { perSecond: number; meanUs: number; cpuUs: number } {
  let sink = 0;
  for (let i = 0; i < Math.min(warmup, inputs.length); i++) sink += step(inputs[i]!) ? 1 : 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const input of inputs) sink += step(input) ? 1 : 0;
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // Keeps the optimiser from dropping calls whose results are unused.
  if (sink < 0) process.stderr.write('');
  return {
    perSecond: round(inputs.length / (elapsedMs / 1000), 1),
    meanUs: round((elapsedMs * 1000) / inputs.length, 1),
    cpuUs: round((cpu.user + cpu.system) / inputs.length, 1),
  };
}
