import { z } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * Cursor pagination (`?cursor=&limit=`), for lists that grow without bound
 * or change while they are read (a topic's subscribers): a cursor names the
 * last item of the previous page, so no item is skipped or repeated when
 * others are added or removed meanwhile, and no page costs an OFFSET scan.
 * The cursor is opaque to clients (base64url); it carries a position only,
 * never anything a client could use to see more than the route shows.
 */
export const cursorQuery = z.object({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/** The position a cursor names, checked with `schema` (400 `cursor` when it is not one of ours). */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!parsed.success)
    throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this list gave' }], 'query string');
  return parsed.data;
}
