import { createSlots } from './slots';

describe('createSlots', () => {
  it('when more work arrives than there are slots, then at most that many run at once and the rest start in arrival order', async () => {
    const inSlot = createSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const works = [0, 1, 2, 3, 4].map((i) =>
      inSlot(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(Promise.all(works)).resolves.toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('when a work fails, then its slot is freed for the next one', async () => {
    const inSlot = createSlots(1);
    const failed = inSlot(() => Promise.reject(new Error('boom')));
    const next = inSlot(() => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('when the size is not a positive integer, then it refuses', () => {
    expect(() => createSlots(0)).toThrow(RangeError);
  });
});
