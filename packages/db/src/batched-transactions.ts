import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema';

/** Runs `work` in a transaction and gives its result once that transaction has committed. */
export type Transact = <T>(work: (tx: Transaction<Database>) => Promise<T>) => Promise<T>;

/** One transaction per call: what PostgreSQL wants (the pool runs them side by side). */
export function transactEach(db: Kysely<Database>): Transact {
  return (work) => db.transaction().execute(work);
}

interface Pending {
  work: (tx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite: the transactions asked for in the same turn of the event loop run one
 * after another inside one BEGIN IMMEDIATE … COMMIT. SQLite runs one write transaction at a time
 * anyway (a lock on the whole database, one connection here), and what a short write transaction
 * costs is mostly its commit (the WAL append) and the connection hand-over around it, so N small
 * ones in one commit cost little more than one. Each caller still hears of its work only after the
 * commit that holds it: durability per call is unchanged.
 *
 * When one piece of work throws, the whole transaction is rolled back and each piece runs again in
 * a transaction of its own, so only the one that fails fails. Work must therefore do nothing but
 * database writes and pure computation (it may run twice, the first time rolled back).
 */
export function transactInBatches(db: Kysely<Database>): Transact {
  let waiting: Pending[] = [];

  const runAlone = (item: Pending) => db.transaction().execute(item.work).then(item.resolve, item.reject);

  async function flush(): Promise<void> {
    const batch = waiting;
    waiting = [];
    if (batch.length === 1) return runAlone(batch[0]!);
    let results: unknown[];
    try {
      results = await db.transaction().execute(async (tx) => {
        const done: unknown[] = [];
        for (const item of batch) done.push(await item.work(tx));
        return done;
      });
    } catch {
      await Promise.all(batch.map(runAlone));
      return;
    }
    batch.forEach((item, i) => item.resolve(results[i]));
  }

  return <T>(work: (tx: Transaction<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // setImmediate, not a microtask: the jobs and answers that arrive in the same poll of the
      // event loop get to ask first.
      if (waiting.length === 1) setImmediate(() => void flush());
    });
}
