import { z } from 'zod';

/** `HH:MM`, 24-hour clock. */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (00:00 to 23:59)');

/**
 * A recipient's quiet hours, read in their time zone: from `start` up to
 * (not including) `end`; a window whose end is before its start runs over
 * midnight (`22:00` to `07:00`).
 */
export const quietHoursSchema = z
  .object({ start: clockTime, end: clockTime })
  .refine((w) => w.start !== w.end, 'start and end must differ');
export type QuietHours = z.infer<typeof quietHoursSchema>;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

interface WallClock {
  year: number;
  month: number;
  day: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function partsOf(instant: number, timeZone: string): WallClock & { seconds: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    minutes: parts.hour! * 60 + parts.minute!,
    seconds: parts.second!,
  };
}

/** How far the zone's clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const p = partsOf(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes, p.seconds) - Math.floor(instant / 1000) * 1000;
}

const HALF_DAY_MS = 12 * 60 * 60 * 1000;

/**
 * The instant the zone's clock shows `wall`. A wall time that happens twice
 * (clocks go back) is its later occurrence, so a release never falls inside
 * the window; one that does not exist (the hour skipped when clocks go
 * forward) is the instant just after the gap, at the same distance past it.
 * The zone's offsets half a day either side cover any one transition.
 */
function instantOf(wall: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, 0, wall.minutes);
  const candidates = [offsetAt(asUtc - HALF_DAY_MS, timeZone), offsetAt(asUtc + HALF_DAY_MS, timeZone)].map(
    (offset) => asUtc - offset,
  );
  const showsWall = (instant: number) => {
    const p = partsOf(instant, timeZone);
    return p.year === wall.year && p.month === wall.month && p.day === wall.day && p.minutes === wall.minutes;
  };
  const real = candidates.filter(showsWall);
  return Math.max(...(real.length > 0 ? real : candidates));
}

/**
 * When a notification due at `due` may go out to a recipient with these
 * quiet hours in `timeZone`: null when `due` is outside the window, else the
 * instant the window ends (the recipient's clock shows `end`), daylight
 * saving changes included.
 */
export function quietHoursRelease(due: Date, quietHours: QuietHours, timeZone: string): Date | null {
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  const local = partsOf(due.getTime(), timeZone);
  const overnight = end < start;
  const inside = overnight ? local.minutes >= start || local.minutes < end : local.minutes >= start && local.minutes < end;
  if (!inside) return null;
  // the end falls on the next calendar day when an overnight window was entered before midnight
  const nextDay = overnight && local.minutes >= start;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (nextDay ? 1 : 0)));
  return new Date(
    instantOf({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), minutes: end }, timeZone),
  );
}
