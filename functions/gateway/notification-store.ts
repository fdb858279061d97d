import { and, asc, count, desc, eq, inArray, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import { bulkInsertSql, rowsOf } from '../../shared/db/bulk-insert.js';
import type { Db } from '../../shared/db/create-db.js';
import { inList } from '../../shared/db/in-list.js';
import type { Channel } from '../../shared/schemas/channels.js';
import type { NotificationStatus } from '../../shared/schemas/notification-statuses.js';
import { notificationEvents, notifications, outbox, suppressions } from './schema.js';
import { rankSql, STATUS_RANK } from './status/notification-status.js';
import { recordStatusesIn, type StatusMove, type StatusReport } from './status/record-statuses.js';

export type { StatusMove, StatusReport } from './status/record-statuses.js';

/** A stored notification; `fallback` may be absent from a row built before its insert (null once read back). */
export type NotificationRow = Omit<typeof notifications.$inferSelect, 'fallback'> & {
  fallback?: (typeof notifications.$inferSelect)['fallback'] | undefined;
};
export type NewNotification = typeof notifications.$inferInsert;
export type EventRow = typeof notificationEvents.$inferSelect;
export type NewEvent = typeof notificationEvents.$inferInsert;
export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;

export interface NotificationFilter {
  apiKeyId?: string | undefined;
  userId?: string | undefined;
  status?: NotificationStatus | undefined;
  channel?: Channel | undefined;
}

/**
 * Delete published outbox rows; for those of a channel (not webhooks), move their notifications to `queued`
 * and add it to their timelines: one statement. Answers the ids of the rows it deleted.
 */
function markPublishedSql(rows: OutboxRow[], publishedAt: Date): SQL {
  return sql`with published as (
          delete from ${outbox}
          where ${inList(
            outbox.id,
            rows.map((r) => r.id),
          )}
          returning id, notification_id, routing_key
        ), delivering as (
          select notification_id from published where routing_key <> 'webhook'
        ), moved as (
          update ${notifications} set status = 'queued', status_reason = null, updated_at = now()
          where id in (select notification_id from delivering) and ${rankSql(sql`${notifications.status}`)} < ${STATUS_RANK.queued}
        ), timeline as (
          insert into ${notificationEvents} (notification_id, status, occurred_at, recorded_at)
          select notification_id, 'queued', ${publishedAt.toISOString()}::timestamptz, now() from delivering
        )
        select id from published`;
}

export interface NotificationStoreOptions {
  /**
   * Runs inside the transaction that moved these notifications' statuses
   * (the webhooks' outbox rows are written there, so an event is recorded
   * exactly when its status change is).
   */
  onStatusMoved?: (tx: Db, moved: StatusMove[]) => Promise<void>;
}

/**
 * Insert notifications with the outbox rows and first events of those inserted, in one statement on `db` (a
 * transaction of the caller's, for a fan-out page). A notification whose (API key, request id) is taken is not
 * inserted; the ids inserted are returned. `alongside`: more `, name as (...)` parts of the statement, which may
 * read `inserted` (column `value`: the ids inserted), such as the webhook events of `webhooks/intake-events.ts`.
 */
export async function insertAcceptedIn(
  db: Db,
  rows: NewNotification[],
  outboxRows: NewOutboxRow[],
  events: NewEvent[] = [],
  alongside: SQL[] = [],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  // one statement, so one round trip and atomic without BEGIN/COMMIT: outbox rows only for the notifications inserted
  const insertNotifications = bulkInsertSql(notifications, rows, {
    onConflictDoNothing: [notifications.apiKeyId, notifications.requestId],
    returning: notifications.id,
  });
  const insertOutbox =
    outboxRows.length > 0
      ? sql`, queued as (${bulkInsertSql(outbox, outboxRows, { where: sql`r.notification_id in (select value from inserted)` })})`
      : sql``;
  const insertEvents =
    events.length > 0
      ? sql`, noted as (${bulkInsertSql(notificationEvents, events, { where: sql`r.notification_id in (select value from inserted)` })})`
      : sql``;
  const result = await db.execute(
    sql`with inserted as (${insertNotifications})${insertOutbox}${insertEvents}${sql.join(alongside)} select value from inserted`,
  );
  return new Set(rowsOf<{ value: string }>(result).map((r) => String(r.value)));
}

/** Data access for the gateway's tables: notifications, their events, the outbox, suppressions. */
export function createNotificationStore(db: Db, options: NotificationStoreOptions = {}) {
  const monotonicUpdate = (status: NotificationStatus, where: SQL, reason?: string | null) =>
    sql`update ${notifications}
        set status = ${status}, status_reason = ${reason ?? null}, updated_at = now()
        where ${where} and ${rankSql(sql`${notifications.status}`)} < ${STATUS_RANK[status]}`;

  return {
    /** Notifications this key already accepted under these request ids. */
    async findByRequestIds(apiKeyId: string, requestIds: string[]): Promise<NotificationRow[]> {
      if (requestIds.length === 0) return [];
      return db
        .select()
        .from(notifications)
        .where(and(eq(notifications.apiKeyId, apiKeyId), inList(notifications.requestId, requestIds)));
    },

    /** The suppression of one address (any case), or null. */
    async findSuppression(address: string): Promise<typeof suppressions.$inferSelect | null> {
      const [row] = await db.select().from(suppressions).where(eq(suppressions.address, address.toLowerCase()));
      return row ?? null;
    },
    async suppressedAmong(addresses: string[]): Promise<Set<string>> {
      if (addresses.length === 0) return new Set();
      const rows = await db
        .select({ address: suppressions.address })
        .from(suppressions)
        .where(
          inList(
            suppressions.address,
            addresses.map((a) => a.toLowerCase()),
          ),
        );
      return new Set(rows.map((r) => r.address));
    },

    /**
     * Insert notifications, their outbox rows and first timeline events (a
     * deferral) in ONE transaction. A
     * request id this key already used (a concurrent duplicate) is skipped by
     * the unique index; the ids actually inserted are returned.
     */
    insertAccepted(rows: NewNotification[], outboxRows: NewOutboxRow[], events: NewEvent[] = []): Promise<Set<string>> {
      return insertAcceptedIn(db, rows, outboxRows, events);
    },

    /**
     * Lease up to `limit` due outbox rows that no other relay holds
     * (`FOR UPDATE SKIP LOCKED`, then `leased_until`), in one statement:
     * publishing happens outside any transaction, so a slow or absent broker
     * never holds database locks or connections.
     */
    async leaseOutbox(limit: number, leaseMs: number): Promise<OutboxRow[]> {
      const due = db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(lte(outbox.availableAt, sql`now()`), or(isNull(outbox.leasedUntil), lte(outbox.leasedUntil, sql`now()`))))
        .orderBy(asc(outbox.availableAt), asc(outbox.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      const rows = await db
        .update(outbox)
        .set({ leasedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
        .where(inArray(outbox.id, due))
        .returning();
      return rows.sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime() || a.id - b.id);
    },

    /**
     * After a publish: delete the rows, move their notifications to `queued`
     * and add it to the timeline, in one statement. `publishedAt` is when the
     * publish started, so the timeline's `queued` comes before what the
     * workers report. With `alongside`, the same transaction then runs it
     * with the rows this call deleted (a queue in this database enqueues
     * their messages), so rows leave the outbox exactly when their messages
     * enter the queue, and rows another relay deleted first are not
     * enqueued again.
     */
    async markPublished(
      rows: OutboxRow[],
      publishedAt: Date = new Date(),
      alongside?: (tx: Db, deleted: OutboxRow[]) => Promise<void>,
    ): Promise<void> {
      if (rows.length === 0) return;
      if (alongside) {
        await db.transaction(async (tx) => {
          const published = new Set(
            rowsOf<{ id: string | number }>(await tx.execute(markPublishedSql(rows, publishedAt))).map((r) => Number(r.id)),
          );
          await alongside(
            tx as unknown as Db,
            rows.filter((r) => published.has(r.id)),
          );
        });
        return;
      }
      await db.execute(markPublishedSql(rows, publishedAt));
    },

    /** After a failed publish: give the rows back at once, for the next try. */
    async releaseLease(rows: OutboxRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db
        .update(outbox)
        .set({ leasedUntil: null })
        .where(
          inList(
            outbox.id,
            rows.map((r) => r.id),
          ),
        );
    },

    /** Record status reports in one transaction (`status/record-statuses.ts`). */
    recordStatuses(reports: StatusReport[]): Promise<{ recorded: number; unknown: number }> {
      return recordStatusesIn(db, reports, options.onStatusMoved);
    },

    async find(id: string): Promise<NotificationRow | null> {
      const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
      return row ?? null;
    },

    async timeline(id: string): Promise<EventRow[]> {
      return (
        db
          .select()
          .from(notificationEvents)
          .where(eq(notificationEvents.notificationId, id))
          // reports can arrive out of order (a worker is faster than the relay's bookkeeping)
          .orderBy(asc(notificationEvents.occurredAt), asc(notificationEvents.id))
      );
    },

    async list(filter: NotificationFilter, offset: number, limit: number): Promise<{ rows: NotificationRow[]; total: number }> {
      const where = and(
        filter.apiKeyId ? eq(notifications.apiKeyId, filter.apiKeyId) : undefined,
        filter.userId ? eq(notifications.userId, filter.userId) : undefined,
        filter.status ? eq(notifications.status, filter.status) : undefined,
        filter.channel ? eq(notifications.channel, filter.channel) : undefined,
      );
      const rows = await db
        .select()
        .from(notifications)
        .where(where)
        .orderBy(desc(notifications.createdAt), desc(notifications.id))
        .offset(offset)
        .limit(limit);
      const [total] = await db.select({ n: count() }).from(notifications).where(where);
      return { rows, total: total!.n };
    },

    /**
     * Cancel a notification not yet handed to the queue: its outbox row,
     * never leased by a relay (or given back after a failed publish), is
     * deleted and it becomes `cancelled`. Returns the status it
     * had when it could not be cancelled, or null when there is no such row.
     */
    async cancel(id: string): Promise<{ cancelled: boolean; status: string } | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select({ status: notifications.status })
          .from(notifications)
          .where(eq(notifications.id, id))
          .for('update');
        if (!row) return null;
        // not yet handed on: waiting for its send_at, or held for the recipient's quiet hours
        if (row.status !== 'pending' && row.status !== 'deferred') return { cancelled: false, status: row.status };
        // a row a relay ever leased may be at the broker already, even once the lease ran out (published, then the
        // relay died before deleting it): too late to cancel. A failed publish gives the lease back (releaseLease).
        const removed = await tx
          .delete(outbox)
          .where(and(eq(outbox.notificationId, id), isNull(outbox.leasedUntil), ne(outbox.routingKey, 'webhook')))
          .returning({ id: outbox.id });
        if (removed.length === 0) return { cancelled: false, status: row.status };
        const occurredAt = new Date();
        await tx.execute(monotonicUpdate('cancelled', eq(notifications.id, id), 'cancelled by request'));
        await tx.insert(notificationEvents).values({ notificationId: id, status: 'cancelled', occurredAt });
        await options.onStatusMoved?.(tx as unknown as Db, [{ id, status: 'cancelled', occurredAt: occurredAt.toISOString() }]);
        return { cancelled: true, status: 'cancelled' };
      });
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
