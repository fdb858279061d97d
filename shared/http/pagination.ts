import { z } from 'zod';

/** `?page=&limit=` on every list route: page from 1, limit 1..100 (default 20). */
export const paginationQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export type Pagination = z.output<typeof paginationQuery>;

export function offsetOf(p: Pagination): number {
  return (p.page - 1) * p.limit;
}
