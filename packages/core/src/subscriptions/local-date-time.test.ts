import { localDateTimeToRfc3339 } from './schedule';

describe('localDateTimeToRfc3339', () => {
  test.each([
    ['2031-03-04T09:30', 'America/Santiago', '2031-03-04T09:30:00-03:00'],
    ['2031-07-04T09:30:15', 'America/Santiago', '2031-07-04T09:30:15-04:00'],
    ['2031-01-15T23:59', 'Asia/Kolkata', '2031-01-15T23:59:00+05:30'],
    ['2031-01-15T00:00', 'UTC', '2031-01-15T00:00:00+00:00'],
  ])('%s in %s is %s', (local, zone, expected) => {
    expect(localDateTimeToRfc3339(local, zone)).toBe(expected);
  });

  test.each([
    ['2031-02-30T09:00', 'UTC'],
    ['2031-01-15T24:00', 'UTC'],
    ['2031-01-15 09:00', 'UTC'],
    ['2031-01-15T09:00', 'Mars/Olympus'],
  ])('%s in %s is refused', (local, zone) => {
    expect(localDateTimeToRfc3339(local, zone)).toBeNull();
  });
});
