import { sql, type SQL } from 'drizzle-orm';

export const NOTIFICATION_STATUSES = [
  'pending',
  'queued',
  'sending',
  'failed',
  'delivered',
  'skipped',
  'suppressed',
  'cancelled',
] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Where a status stands in a notification's life. Status only ever moves to
 * a higher rank, so a late or replayed report never moves it backwards.
 * `failed` ranks below `delivered`: a dead letter that an operator redrives
 * can still be delivered; nothing leaves `delivered`, `skipped`,
 * `suppressed` or `cancelled`.
 */
export const STATUS_RANK: Record<NotificationStatus, number> = {
  pending: 0,
  queued: 1,
  sending: 2,
  failed: 3,
  delivered: 4,
  skipped: 4,
  suppressed: 4,
  cancelled: 4,
};

/** SQL rank of a status column, for monotonic updates in one statement. */
export function rankSql(column: SQL | unknown): SQL {
  const cases = Object.entries(STATUS_RANK).map(([status, rank]) => sql`when ${status} then ${sql.raw(String(rank))}`);
  return sql`(case ${column} ${sql.join(cases, sql` `)} else -1 end)`;
}
