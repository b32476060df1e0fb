/**
 * Calls made in the same turn of the event loop, answered by one call of `run` with all of their
 * items: `run` gets the items in arrival order and answers one result per item, in that order.
 * The share webhook worker uses it so that the messages which get a slot together are claimed by
 * one statement, and the answers that arrive together are recorded by one (a statement costs
 * about the same for one row as for six; its JS and round trip are per statement).
 *
 * Flushed on setImmediate, not a microtask: the jobs and responses that arrive in the same poll of
 * the event loop get to ask first. When `run` fails, every call of that batch fails with its error.
 */
export function coalesce<I, O>(run: (items: I[]) => Promise<O[]>): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];

  async function flush(): Promise<void> {
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
      if (waiting.length === 1) setImmediate(() => void flush());
    });
}
