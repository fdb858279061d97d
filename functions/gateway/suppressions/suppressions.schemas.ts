import { z } from 'zod';
import { paginationQuery } from '../../../shared/http/pagination.js';

/** Request and answer shapes of `/api/v1/suppressions` (routes and OpenAPI read these). */

export const suppressionsQuery = paginationQuery;

export const suppressionParam = z.object({ email: z.email().max(320) });

export const suppressionJson = z.object({
  address: z.string().describe('Lower case'),
  reason: z.enum(['hard_bounce', 'complaint']).or(z.string()),
  created_at: z.iso.datetime({ offset: true }),
});
