import { z } from 'zod';

// The value parsers every part of the environment schema shares (shared/config.ts and its config-*.ts parts).

/** A string, trimmed; empty or blank counts as unset. */
export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const optionalUrl = optionalString.pipe(z.url().optional());

/** `true`, `1`, `yes` (anything else, or unset, is false). */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A comma-separated list, each item trimmed and checked by `item`; unset is empty. */
export const commaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item));

export const port = z.coerce.number().int().min(1).max(65535);
export const positiveInt = z.coerce.number().int().positive();
