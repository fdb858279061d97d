import { and, asc, count, desc, eq, inArray, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import { bulkInsert, bulkInsertSql, rowsOf } from '../../shared/db/bulk-insert.js';
import type { Db } from '../../shared/db/create-db.js';
import { inList } from '../../shared/db/in-list.js';
import type { StatusMessage } from '../../shared/messages.js';
import type { Channel } from '../../shared/schemas/channels.js';
import type { NotificationStatus } from '../../shared/schemas/notification-statuses.js';
import { notificationEvents, notifications, outbox, suppressions } from './schema.js';
import { rankSql, STATUS_RANK } from './status/notification-status.js';

export type NotificationRow = typeof notifications.$inferSelect;
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

/** One status report to record (from the queue or the external status route). */
export type StatusReport = Pick<
  StatusMessage,
  | 'notification_id'
  | 'status'
  | 'timestamp'
  | 'attempt'
  | 'provider'
  | 'provider_message_id'
  | 'response'
  | 'error'
  | 'device_id'
  | 'suppress'
>;

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

/** A notification whose status a batch of reports moved: its new status, and when the winning report says it happened. */
export interface StatusMove {
  id: string;
  status: NotificationStatus;
  occurredAt: string;
}

/**
 * Every status a batch moved a notification through, in rank order: from
 * the one it had (`was`) up to the highest reported, each once, with the
 * time its report gave. A `sending` and a `delivered` recorded in one batch
 * are two steps, not one.
 */
function stepsOf(
  reports: Array<{ id: string; status: NotificationStatus; rank: number; at: string }>,
  moved: Array<{ id: string; was: NotificationStatus }>,
): StatusMove[] {
  const from = new Map(moved.map((m) => [m.id, STATUS_RANK[m.was] ?? -1]));
  const steps = new Map<string, StatusMove & { rank: number }>();
  for (const r of reports) {
    const was = from.get(r.id);
    if (was === undefined || r.rank <= was) continue;
    const key = `${r.id}\u0000${r.status}`;
    if (!steps.has(key)) steps.set(key, { id: r.id, status: r.status, occurredAt: r.at, rank: r.rank });
  }
  return [...steps.values()]
    .sort((a, b) => (a.id === b.id ? a.rank - b.rank : a.id < b.id ? -1 : 1))
    .map(({ rank: _rank, ...step }) => step);
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
 * Insert notifications with the outbox rows and first events of those
 * inserted, in one statement on `db` (a transaction of the caller's, for a
 * fan-out page). A notification whose (API key, request id) is taken is not
 * inserted; the ids inserted are returned.
 */
export async function insertAcceptedIn(
  db: Db,
  rows: NewNotification[],
  outboxRows: NewOutboxRow[],
  events: NewEvent[] = [],
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
    sql`with inserted as (${insertNotifications})${insertOutbox}${insertEvents} select value from inserted`,
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

    /**
     * Record status reports in one transaction: each appends to its
     * notification's timeline; a report without `device_id` also moves the
     * status, only ever forward; `suppress` adds to the suppression list
     * the recipient this table holds for that notification, and only when
     * the report names that same address (a report cannot choose whom to
     * suppress). Reports about unknown notifications are ignored (returned
     * count): they change nothing.
     */
    async recordStatuses(reports: StatusReport[]): Promise<{ recorded: number; unknown: number }> {
      if (reports.length === 0) return { recorded: 0, unknown: 0 };
      return db.transaction(async (tx) => {
        const ids = [...new Set(reports.map((r) => r.notification_id))];
        const recipients = new Map(
          (
            await tx
              .select({ id: notifications.id, recipient: notifications.recipient })
              .from(notifications)
              .where(inList(notifications.id, ids))
          ).map((r) => [r.id, r.recipient?.toLowerCase() ?? null]),
        );
        const known = new Set(recipients.keys());
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
          .map((r) => ({
            id: r.notification_id,
            status: r.status,
            reason: r.error ?? null,
            rank: STATUS_RANK[r.status],
            at: r.timestamp,
          }));
        if (moves.length > 0) {
          // the FROM list reads the rows before the update: `was` is the status each one moved from
          const moved = await tx.execute(sql`
            update ${notifications} as n
            set status = v.status, status_reason = v.reason, updated_at = now()
            from (
              select distinct on (x.id) x.id, x.status, x.reason, x.rank, before.status as was
              from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) as x(id uuid, status text, reason text, rank int, at text)
              join ${notifications} as before on before.id = x.id
              order by x.id, x.rank desc
            ) as v
            where n.id = v.id and ${rankSql(sql`n.status`)} < v.rank
            returning n.id, v.was`);
          if (options.onStatusMoved) {
            const changes = stepsOf(
              moves,
              rowsOf<{ id: string; was: NotificationStatus }>(moved).map((r) => ({ id: String(r.id), was: r.was })),
            );
            if (changes.length > 0) await options.onStatusMoved(tx as unknown as Db, changes);
          }
        }
        const suppress = mine.flatMap((r) => {
          const stored = recipients.get(r.notification_id);
          return r.suppress && stored && r.suppress.address.toLowerCase() === stored
            ? [{ address: stored, reason: r.suppress.reason }]
            : [];
        });
        if (suppress.length > 0) {
          await tx.insert(suppressions).values(suppress).onConflictDoNothing();
        }
        return { recorded: mine.length, unknown: reports.length - mine.length };
      });
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
