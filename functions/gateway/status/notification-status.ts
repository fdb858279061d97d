import { type SQL, sql } from 'drizzle-orm';
import type { NotificationStatus } from '../../../shared/schemas/notification-statuses.js';

/**
 * Where a status stands in a notification's life. Status only ever moves to
 * a higher rank, so a late or replayed report never moves it backwards.
 * `failed` ranks below `delivered`: a dead letter that an operator redrives
 * can still be delivered; `delivered` gives way only to what the provider
 * learns afterwards (`bounced`, `complained`, terminal: the first to arrive
 * stays), or for an in-app item to `read` (its user read it); nothing leaves
 * `skipped`, `suppressed`, `cancelled` or `read`.
 */
export const STATUS_RANK: Record<NotificationStatus, number> = {
  pending: 0,
  // held for quiet hours: the relay's `queued` moves it on when they end
  deferred: 0,
  queued: 1,
  sending: 2,
  failed: 3,
  delivered: 4,
  // an in-app item moves on from delivered when its user reads it
  read: 5,
  bounced: 5,
  complained: 5,
  skipped: 4,
  suppressed: 4,
  cancelled: 4,
};

/** SQL rank of a status column, for monotonic updates in one statement. */
export function rankSql(column: SQL | unknown): SQL {
  const cases = Object.entries(STATUS_RANK).map(([status, rank]) => sql`when ${status} then ${sql.raw(String(rank))}`);
  return sql`(case ${column} ${sql.join(cases, sql` `)} else -1 end)`;
}
