import { digestPeriodKey, isValidTimeZone, nextDigestDue, type DigestSchedule } from './schedule';

const daily = (timeZone: string, deliveryHour = 8): DigestSchedule => ({
  frequency: 'daily',
  timeZone,
  deliveryHour,
  deliveryWeekday: 1,
});

describe('nextDigestDue', () => {
  it.each([
    // [zone, after, expected due (UTC)]
    ['UTC', '2026-11-25T07:59:59.000Z', '2026-11-25T08:00:00.000Z'],
    ['UTC', '2026-11-25T08:00:00.000Z', '2026-11-26T08:00:00.000Z'],
    ['Pacific/Honolulu', '2026-11-25T12:00:00.000Z', '2026-11-25T18:00:00.000Z'], // UTC−10
    ['Asia/Kolkata', '2026-11-25T12:00:00.000Z', '2026-11-26T02:30:00.000Z'], // UTC+5:30
    ['Pacific/Tongatapu', '2026-11-25T12:00:00.000Z', '2026-11-25T19:00:00.000Z'], // UTC+13, next local day
  ])('in %s after %s is %s', (zone, after, expected) => {
    expect(nextDigestDue(daily(zone), new Date(after)).toISOString()).toBe(expected);
  });

  it('follows a DST change: 08:00 New York is 12:00 UTC before 1 Nov 2026 and 13:00 UTC after', () => {
    const schedule = daily('America/New_York');
    expect(nextDigestDue(schedule, new Date('2026-10-31T13:00:00Z')).toISOString()).toBe('2026-11-01T13:00:00.000Z');
    expect(nextDigestDue(schedule, new Date('2026-10-30T13:00:00Z')).toISOString()).toBe('2026-10-31T12:00:00.000Z');
  });

  it('delivers an hour that does not exist (spring forward) when the clock has jumped past it', () => {
    // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    const due = nextDigestDue(daily('America/New_York', 2), new Date('2026-03-08T05:00:00Z'));
    expect(due.toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });

  it('delivers an hour that happens twice (fall back) once, at its first occurrence', () => {
    // New York, 1 November 2026: 01:00 EDT (05:00 UTC) and 01:00 EST (06:00 UTC).
    const schedule = daily('America/New_York', 1);
    const first = nextDigestDue(schedule, new Date('2026-11-01T04:00:00Z'));
    expect(first.toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(nextDigestDue(schedule, first).toISOString()).toBe('2026-11-02T06:00:00.000Z');
  });

  it('finds the chosen weekday for weekly digests', () => {
    const friday: DigestSchedule = {
      frequency: 'weekly',
      timeZone: 'Europe/Berlin',
      deliveryHour: 8,
      deliveryWeekday: 5,
    };
    // Wednesday 25 Nov 2026 → Friday 27 Nov, 08:00 CET = 07:00 UTC.
    expect(nextDigestDue(friday, new Date('2026-11-25T10:00:00Z')).toISOString()).toBe('2026-11-27T07:00:00.000Z');
    // Just after Friday's delivery → the next Friday.
    expect(nextDigestDue(friday, new Date('2026-11-27T07:00:00Z')).toISOString()).toBe('2026-12-04T07:00:00.000Z');
  });
});

describe('digestPeriodKey', () => {
  it('names the local day and the ISO week, in the subscriber calendar', () => {
    const due = new Date('2026-11-25T19:00:00Z');
    expect(digestPeriodKey(daily('Pacific/Tongatapu'), due)).toBe('daily:2026-11-26');
    expect(digestPeriodKey(daily('UTC'), due)).toBe('daily:2026-11-25');
    const weekly: DigestSchedule = { ...daily('UTC'), frequency: 'weekly' };
    expect(digestPeriodKey(weekly, new Date('2026-11-25T08:00:00Z'))).toBe('weekly:2026-W48');
    // 1 January 2027 is a Friday: ISO week 53 of 2026.
    expect(digestPeriodKey(weekly, new Date('2027-01-01T08:00:00Z'))).toBe('weekly:2026-W53');
    expect(digestPeriodKey(weekly, new Date('2027-01-04T08:00:00Z'))).toBe('weekly:2027-W01');
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'America/New_York', 'Asia/Kolkata'])('accepts %s', (zone) =>
    expect(isValidTimeZone(zone)).toBe(true),
  );
  it.each(['', 'Mars/Olympus', 'x'.repeat(100), 42, 'UTC\r\nBcc: x'])('refuses %p', (zone) =>
    expect(isValidTimeZone(zone)).toBe(false),
  );
});
