import { and, asc, count, desc, eq, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { bulkInsert, bulkInsertSql, rowsOf } from '../../shared/db/bulk-insert.js';
import { inList } from '../../shared/db/in-list.js';
import type { Db } from '../../shared/db/create-db.js';
import type { StatusMessage } from '../../shared/messages.js';
import { rankSql, STATUS_RANK, type NotificationStatus } from './notification-status.js';
import { notificationEvents, notifications, outbox, suppressions } from './schema.js';

export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotification = typeof notifications.$inferInsert;
export type EventRow = typeof notificationEvents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;

export interface NotificationFilter {
  apiKeyId?: string | undefined;
  userId?: string | undefined;
  status?: NotificationStatus | undefined;
  channel?: 'email' | 'push' | undefined;
}

/** One status report to record (from the queue or the external status route). */
export type StatusReport = Pick<
  StatusMessage,
  'notification_id' | 'status' | 'timestamp' | 'attempt' | 'provider' | 'provider_message_id' | 'response' | 'error' | 'device_id' | 'suppress'
>;

/** Data access for the gateway's tables: notifications, their events, the outbox, suppressions. */
export function createNotificationStore(db: Db) {
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

    async suppressedAmong(addresses: string[]): Promise<Set<string>> {
      if (addresses.length === 0) return new Set();
      const rows = await db
        .select({ address: suppressions.address })
        .from(suppressions)
        .where(inList(suppressions.address, addresses.map((a) => a.toLowerCase())));
      return new Set(rows.map((r) => r.address));
    },

    /**
     * Insert notifications and their outbox rows in ONE transaction. A
     * request id this key already used (a concurrent duplicate) is skipped by
     * the unique index; the ids actually inserted are returned.
     */
    async insertAccepted(rows: NewNotification[], outboxRows: NewOutboxRow[]): Promise<Set<string>> {
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
      const result = await db.execute(sql`with inserted as (${insertNotifications})${insertOutbox} select value from inserted`);
      return new Set(rowsOf<{ value: string }>(result).map((r) => String(r.value)));
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
        .where(
          and(lte(outbox.availableAt, sql`now()`), or(isNull(outbox.leasedUntil), lte(outbox.leasedUntil, sql`now()`))),
        )
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
     * workers report.
     */
    async markPublished(rows: OutboxRow[], publishedAt: Date = new Date()): Promise<void> {
      if (rows.length === 0) return;
      await db.execute(sql`
        with published as (
          delete from ${outbox}
          where ${inList(outbox.id, rows.map((r) => r.id))}
          returning notification_id
        ), moved as (
          update ${notifications} set status = 'queued', status_reason = null, updated_at = now()
          where id in (select notification_id from published) and ${rankSql(sql`${notifications.status}`)} < ${STATUS_RANK.queued}
        )
        insert into ${notificationEvents} (notification_id, status, occurred_at, recorded_at)
        select notification_id, 'queued', ${publishedAt.toISOString()}::timestamptz, now() from published`);
    },

    /** After a failed publish: give the rows back at once, for the next try. */
    async releaseLease(rows: OutboxRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.update(outbox).set({ leasedUntil: null }).where(inList(outbox.id, rows.map((r) => r.id)));
    },

    /**
     * Record status reports in one transaction: each appends to its
     * notification's timeline; a report without `device_id` also moves the
     * status, only ever forward; `suppress` adds to the suppression list.
     * Reports about unknown notifications are ignored (returned count).
     */
    async recordStatuses(reports: StatusReport[]): Promise<{ recorded: number; unknown: number }> {
      if (reports.length === 0) return { recorded: 0, unknown: 0 };
      return db.transaction(async (tx) => {
        const ids = [...new Set(reports.map((r) => r.notification_id))];
        const known = new Set(
          (await tx.select({ id: notifications.id }).from(notifications).where(inList(notifications.id, ids))).map((r) => r.id),
        );
        const mine = reports.filter((r) => known.has(r.notification_id));
        if (mine.length > 0) {
          await bulkInsert(
            tx,
            notificationEvents,
            mine.map((r) => ({
              notificationId: r.notification_id,
              status: r.status,
              attempt: r.attempt,
              provider: r.provider ?? null,
              providerMessageId: r.provider_message_id ?? null,
              response: r.response ?? null,
              error: r.error ?? null,
              deviceId: r.device_id ?? null,
              occurredAt: new Date(r.timestamp),
            })),
          );
        }
        // one statement for the whole batch: per notification the highest-ranked report wins, and only if it moves it forward
        const moves = mine
          .filter((r) => !r.device_id)
          .map((r) => ({ id: r.notification_id, status: r.status, reason: r.error ?? null, rank: STATUS_RANK[r.status] }));
        if (moves.length > 0) {
          await tx.execute(sql`
            update ${notifications} as n
            set status = v.status, status_reason = v.reason, updated_at = now()
            from (
              select distinct on (id) id, status, reason, rank
              from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) as x(id uuid, status text, reason text, rank int)
              order by id, rank desc
            ) as v
            where n.id = v.id and ${rankSql(sql`n.status`)} < v.rank`);
        }
        const suppress = reports.flatMap((r) => (r.suppress ? [r.suppress] : []));
        if (suppress.length > 0) {
          await tx
            .insert(suppressions)
            .values(suppress.map((s) => ({ address: s.address.toLowerCase(), reason: s.reason })))
            .onConflictDoNothing();
        }
        return { recorded: mine.length, unknown: reports.length - mine.length };
      });
    },

    async find(id: string): Promise<NotificationRow | null> {
      const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
      return row ?? null;
    },

    async timeline(id: string): Promise<EventRow[]> {
      return db
        .select()
        .from(notificationEvents)
        .where(eq(notificationEvents.notificationId, id))
        // reports can arrive out of order (a worker is faster than the relay's bookkeeping)
        .orderBy(asc(notificationEvents.occurredAt), asc(notificationEvents.id));
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
     * Cancel a notification not yet handed to the queue: its unpublished
     * outbox row is deleted and it becomes `cancelled`. Returns the status it
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
        if (row.status !== 'pending') return { cancelled: false, status: row.status };
        // a leased row may be on its way to the broker right now: too late to cancel
        const removed = await tx
          .delete(outbox)
          .where(
            and(
              eq(outbox.notificationId, id),
              or(isNull(outbox.leasedUntil), lte(outbox.leasedUntil, sql`now()`)),
            ),
          )
          .returning({ id: outbox.id });
        if (removed.length === 0) return { cancelled: false, status: row.status };
        await tx.execute(monotonicUpdate('cancelled', eq(notifications.id, id), 'cancelled by request'));
        await tx.insert(notificationEvents).values({ notificationId: id, status: 'cancelled', occurredAt: new Date() });
        return { cancelled: true, status: 'cancelled' };
      });
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
