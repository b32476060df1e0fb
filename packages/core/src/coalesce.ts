/**
 * Calls made close together, answered by one call of `run` with all of their items: `run` gets
 * the items in arrival order and answers one result per item, in that order. The share webhook
 * worker uses it so that the messages which get a slot together are claimed by one statement, and
 * the answers that arrive together are recorded by one (a statement costs about the same for one
 * row as for six; its JS and round trip are per statement); the digest worker, so that digests
 * finished within a few milliseconds share one commit.
 *
 * "Close together" is the same turn of the event loop by default: flushed on setImmediate, not a
 * microtask, so the jobs and responses that arrive in the same poll of the event loop get to ask
 * first. `delayMs` waits that long after the first call instead; `maxItems` runs at once when that
 * many are waiting. When `run` fails, every call of that batch fails with its error.
 */
export interface CoalesceOptions {
  delayMs?: number;
  maxItems?: number;
}

export function coalesce<I, O>(
  run: (items: I[]) => Promise<O[]>,
  options: CoalesceOptions = {},
): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  let cancel: (() => void) | undefined;

  async function flush(): Promise<void> {
    cancel?.();
    cancel = undefined;
    const batch = waiting;
    waiting = [];
    try {
      const results = await run(batch.map((entry) => entry.item));
      if (results.length !== batch.length) {
        throw new Error(`coalesce: ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (caught) {
      for (const entry of batch) entry.reject(caught);
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (options.maxItems !== undefined && waiting.length >= options.maxItems) {
        void flush();
      } else if (waiting.length === 1 && options.delayMs === undefined) {
        const immediate = setImmediate(() => void flush());
        cancel = () => clearImmediate(immediate);
      } else if (waiting.length === 1) {
        const timer = setTimeout(() => void flush(), options.delayMs);
        cancel = () => clearTimeout(timer);
      }
    });
}
