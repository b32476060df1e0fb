import { UUID_PATTERN, uuidv7 } from './ids';

describe('uuidv7', () => {
  test('when ids are made, then they are RFC 9562 version 7 with the variant bits set', () => {
    const id = uuidv7();
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  test('when many ids are made in the same millisecond, then they sort in the order they were made', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('when time moves on, then a later id sorts after an earlier one', () => {
    const earlier = uuidv7(1_800_000_000_000);
    const later = uuidv7(1_800_000_000_001);
    expect(later > earlier).toBe(true);
  });

  test('when the clock steps back, then ids still never go backwards', () => {
    const first = uuidv7(1_850_000_000_000);
    const afterStepBack = uuidv7(1_849_999_999_000);
    expect(afterStepBack > first).toBe(true);
  });

  test('when the time is encoded, then the first 48 bits are the Unix milliseconds', () => {
    const ms = 1_890_000_000_123;
    const id = uuidv7(ms + 10_000_000); // later than any id made above
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms + 10_000_000);
  });
});
