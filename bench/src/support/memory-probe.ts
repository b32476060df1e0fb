/**
 * Loaded into a process under test with `--require` (the digest bench's BENCH_MEMORY_PROBE_DIR):
 * every 500 ms it appends one JSON line per thread of the process to
 * `<dir>/<pid>[-t<threadId>].jsonl` — RSS, this thread's V8 heap (used, total, old space) and
 * external memory — and one line per major GC with the heap used after it. The heap used after a
 * major GC is the live heap: if it stays level while the mails go out, nothing is retained per mail,
 * whatever RSS and the heap's total do. It writes a heap snapshot of the main thread on SIGUSR2
 * (snapshots inflate RSS for the rest of the run: never take one in a run whose peak you report).
 * Bench-only: no service loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type PerformanceEntry, PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.BENCH_MEMORY_PROBE_DIR;
if (dir) {
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${process.pid}${isMainThread ? '' : `-t${threadId}`}.jsonl`);
  const started = Date.now();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const write = (line: Record<string, unknown>) =>
    fs.appendFileSync(out, `${JSON.stringify({ t: Date.now() - started, ...line })}\n`);
  setInterval(() => {
    const usage = process.memoryUsage();
    const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    write({
      rssMb: mb(usage.rss),
      heapUsedMb: mb(usage.heapUsed),
      heapTotalMb: mb(usage.heapTotal),
      oldSpaceMb: mb(old?.space_used_size ?? 0),
      externalMb: mb(usage.external),
    });
  }, 500).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        write({ majorGcMs: Math.round(entry.duration), heapUsedAfterMb: mb(process.memoryUsage().heapUsed) });
    }
  }).observe({ entryTypes: ['gc'] });
  if (isMainThread)
    process.on('SIGUSR2', () => {
      v8.writeHeapSnapshot(path.join(dir, `${process.pid}-${Date.now() - started}.heapsnapshot`));
    });
}
