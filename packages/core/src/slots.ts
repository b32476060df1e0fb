/**
 * A counting semaphore as a function: `inSlot(work)` runs `work` once fewer than `size` others
 * run, the rest waiting in arrival order. The workers use it to bound what is in flight across
 * all the jobs they hold (share webhook requests, digest sends), which BullMQ's job concurrency
 * cannot do once a job carries several messages.
 */
export function createSlots(size: number): <T>(work: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots must be a positive integer, got ${size}`);
  let free = size;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, or back to the pool.
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}
