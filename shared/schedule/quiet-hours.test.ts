import { describe, expect, it } from 'vitest';
import { quietHoursRelease, quietHoursSchema } from './quiet-hours.js';

const night = { start: '22:00', end: '07:00' };
const release = (due: string, timeZone: string, window = night) =>
  quietHoursRelease(new Date(due), window, timeZone)?.toISOString() ?? null;

describe('quiet hours', () => {
  it('holds a notification due inside an overnight window until its end, on either side of midnight', () => {
    // 23:30 and 03:00 in Paris (UTC+1 in January)
    expect(release('2026-01-14T22:30:00Z', 'Europe/Paris')).toBe('2026-01-15T06:00:00.000Z');
    expect(release('2026-01-15T02:00:00Z', 'Europe/Paris')).toBe('2026-01-15T06:00:00.000Z');
  });

  it('lets through what is due outside the window, and at its very end', () => {
    expect(release('2026-01-15T12:00:00Z', 'Europe/Paris')).toBeNull();
    expect(release('2026-01-15T06:00:00Z', 'Europe/Paris')).toBeNull(); // 07:00 local
    expect(release('2026-01-14T20:59:00Z', 'Europe/Paris')).toBeNull(); // 21:59 local
  });

  it('handles a window within one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(release('2026-06-01T12:15:00Z', 'UTC', lunch)).toBe('2026-06-01T13:30:00.000Z');
    expect(release('2026-06-01T13:30:00Z', 'UTC', lunch)).toBeNull();
  });

  it('reads the window in the recipient zone: the same instant is quiet in one zone and not in another', () => {
    const due = '2026-01-15T04:00:00Z'; // 23:00 in New York, 05:00 in Paris, 13:00 in Tokyo
    expect(release(due, 'America/New_York')).toBe('2026-01-15T12:00:00.000Z');
    expect(release(due, 'Europe/Paris')).toBe('2026-01-15T06:00:00.000Z');
    expect(release(due, 'Asia/Tokyo')).toBeNull();
  });

  it('releases at 07:00 local across the spring-forward night (New York, 8 March 2026: 02:00 EST becomes 03:00 EDT)', () => {
    // 23:00 EST on the 7th; 07:00 on the 8th is EDT (UTC-4), not EST
    expect(release('2026-03-08T04:00:00Z', 'America/New_York')).toBe('2026-03-08T11:00:00.000Z');
    // 01:30 EST, just before the switch
    expect(release('2026-03-08T06:30:00Z', 'America/New_York')).toBe('2026-03-08T11:00:00.000Z');
  });

  it('releases at 07:00 local across the fall-back night (London, 25 October 2026: 02:00 BST becomes 01:00 GMT)', () => {
    // 23:00 BST on the 24th; 07:00 on the 25th is GMT (UTC+0)
    expect(release('2026-10-24T22:00:00Z', 'Europe/London')).toBe('2026-10-25T07:00:00.000Z');
    // 01:30 happens twice: both times are inside the window, both release at 07:00 GMT
    expect(release('2026-10-25T00:30:00Z', 'Europe/London')).toBe('2026-10-25T07:00:00.000Z');
    expect(release('2026-10-25T01:30:00Z', 'Europe/London')).toBe('2026-10-25T07:00:00.000Z');
  });

  it('a window that ends in the repeated hour releases at its second occurrence, never before the due time', () => {
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST, so 01:00 to 02:00 happens twice
    const early = { start: '00:00', end: '01:30' };
    // 01:10 EST (the second 01:10): 01:30 EST, not the 01:30 EDT that has already passed
    expect(release('2026-11-01T06:10:00Z', 'America/New_York', early)).toBe('2026-11-01T06:30:00.000Z');
    // 01:10 EDT (the first): held through the repeated hour too
    expect(release('2026-11-01T05:10:00Z', 'America/New_York', early)).toBe('2026-11-01T06:30:00.000Z');
    // east of UTC: Paris, 25 October 2026, 03:00 CEST becomes 02:00 CET
    const paris = { start: '01:00', end: '02:30' };
    // 02:10 CEST, the first 02:10: held until 02:30 CET, the second 02:30
    expect(release('2026-10-25T00:10:00Z', 'Europe/Paris', paris)).toBe('2026-10-25T01:30:00.000Z');
    // 02:40 CEST is outside the window the first time round
    expect(release('2026-10-25T00:40:00Z', 'Europe/Paris', paris)).toBeNull();
  });

  it('a window that ends in the skipped hour releases just after the gap, never inside the window', () => {
    // ends 02:30 on the spring-forward night: 02:30 EST does not exist; 03:30 EDT is the same distance past 02:00
    const early = { start: '01:00', end: '02:30' };
    expect(release('2026-03-08T06:15:00Z', 'America/New_York', early)).toBe('2026-03-08T07:30:00.000Z');
  });

  it('accepts HH:MM windows and refuses others', () => {
    expect(quietHoursSchema.safeParse(night).success).toBe(true);
    for (const bad of [
      { start: '7:00', end: '22:00' },
      { start: '24:00', end: '07:00' },
      { start: '22:00', end: '22:00' },
      { start: '22:00' },
    ]) {
      expect(quietHoursSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
