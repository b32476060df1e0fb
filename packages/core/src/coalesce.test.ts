import { coalesce } from './coalesce';

describe('coalesce', () => {
  it('when calls are made in the same turn, then one run gets all their items in order and each call gets its own result', async () => {
    const runs: number[][] = [];
    const double = coalesce(async (items: number[]) => {
      runs.push(items);
      return items.map((n) => n * 2);
    });

    const first = await Promise.all([double(1), double(2), double(3)]);
    const later = await double(4);

    expect(first).toEqual([2, 4, 6]);
    expect(later).toBe(8);
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('when the run fails, then every call of that batch fails and the next batch runs anew', async () => {
    let calls = 0;
    const flaky = coalesce(async (items: string[]) => {
      calls += 1;
      if (calls === 1) throw new Error('database gone');
      return items;
    });

    const failed = [flaky('a'), flaky('b')].map((p) =>
      p.then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    expect(await Promise.all(failed)).toEqual(['database gone', 'database gone']);
    await expect(flaky('c')).resolves.toBe('c');
  });

  it('when the run answers a wrong number of results, then the calls fail rather than get another item’s result', async () => {
    const short = coalesce(async (items: string[]) => items.slice(1));
    await expect(Promise.all([short('a'), short('b')])).rejects.toThrow('1 results for 2 items');
  });

  it('when a delay is given, then calls within it share a run and a full batch runs at once without waiting', async () => {
    const runs: number[][] = [];
    const record = coalesce(
      async (items: number[]) => {
        runs.push(items);
        return items;
      },
      { delayMs: 30, maxItems: 3 },
    );

    const full = Promise.all([record(1), record(2), record(3)]);
    // The batch of three ran before its delay was up.
    await Promise.resolve();
    expect(runs).toEqual([[1, 2, 3]]);
    await full;

    const first = record(4);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = record(5);
    await Promise.all([first, second]);
    expect(runs).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });
});
