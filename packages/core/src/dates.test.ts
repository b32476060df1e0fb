import { parseRfc3339 } from './dates';

describe('parseRfc3339', () => {
  test('when a time has an offset, then the offset is kept and the UTC instant is right', () => {
    expect(parseRfc3339('2025-01-27T18:00:00-03:00')).toEqual({
      local: '2025-01-27T18:00:00-03:00',
      utc: '2025-01-27T21:00:00.000Z',
      epochMs: Date.UTC(2025, 0, 27, 21),
    });
  });

  test('when a time is in UTC with fractions or lowercase separators, then it is normalized', () => {
    expect(parseRfc3339('2025-06-01t08:30:00.5z')?.local).toBe('2025-06-01T08:30:00.500Z');
    expect(parseRfc3339('2025-06-01 08:30:00+05:30')?.utc).toBe('2025-06-01T03:00:00.000Z');
  });

  test.each([
    'yesterday',
    '2025-02-30T10:00:00Z',
    '2025-13-01T10:00:00Z',
    '2025-01-01',
    '2025-01-01T25:00:00Z',
    '2025-01-01T10:00:00',
    '2025-01-01T10:00:00+24:00',
    '1969-12-31T23:59:59Z',
    ' 2025-01-01T10:00:00Z',
  ])('when given %p, then it is refused', (input) => {
    expect(parseRfc3339(input)).toBeNull();
  });

  test('when the date is 29 February, then it is accepted only in a leap year', () => {
    expect(parseRfc3339('2024-02-29T00:00:00Z')).not.toBeNull();
    expect(parseRfc3339('2025-02-29T00:00:00Z')).toBeNull();
  });
});
