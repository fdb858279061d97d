import { parse, toSeconds } from 'iso8601-duration';
import { z } from 'zod';

/** The longest a delay, window or throttle period may be: a year. */
const MAX_MS = 366 * 24 * 3600 * 1000;

/**
 * An ISO 8601 duration (`PT1H`, `P1D`, `PT90S`) in milliseconds, or null when
 * it is not one. Days are 24 hours and months and years are counted from
 * now (the library's reading); durations are positive and at most a year.
 */
export function durationMs(text: string, from = new Date()): number | null {
  try {
    const ms = toSeconds(parse(text), from) * 1000;
    return Number.isFinite(ms) && ms > 0 && ms <= MAX_MS ? Math.round(ms) : null;
  } catch {
    return null;
  }
}

/** A request field holding an ISO 8601 duration. */
export const isoDuration = z
  .string()
  .max(40)
  .refine((text) => durationMs(text) !== null, 'must be an ISO 8601 duration (PT1H, P1D, PT30S), positive, at most a year');
