import { sql } from 'drizzle-orm';
import { bulkInsert, rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { inList } from '../../../shared/db/in-list.js';
import type { StatusMessage } from '../../../shared/messages.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { NotificationStatus } from '../../../shared/schemas/notification-statuses.js';
import { fallBackIn } from '../fallback/fall-back.js';
import { notificationEvents, notifications, suppressions } from '../schema.js';
import { rankSql, STATUS_RANK } from './notification-status.js';

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
  | 'final'
> & {
  /** The channel that reports; a report of a channel the notification has left (fallback) moves no status. */
  channel?: Channel | undefined;
};

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

/**
 * Record status reports in one transaction on `db`: each appends to its
 * notification's timeline; a report without `device_id` also moves the
 * status, only ever forward; `suppress` adds to the suppression list
 * the recipient this table holds for that notification, and only when
 * the report names that same address (a report cannot choose whom to
 * suppress). Reports about unknown notifications are ignored (returned
 * count): they change nothing. A `final` report of a notification with a
 * channel list moves it on to its next channel first (`fallback/fall-back.ts`);
 * a report of a channel the notification has left moves no status.
 * `onStatusMoved` runs in the same transaction with the statuses it moved.
 */
export async function recordStatusesIn(
  db: Db,
  reports: StatusReport[],
  onStatusMoved?: (tx: Db, moved: StatusMove[]) => Promise<void>,
): Promise<{ recorded: number; unknown: number }> {
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
    await fallBackIn(tx as unknown as Db, mine);
    // one statement for the whole batch: per notification the highest-ranked report wins, and only if it moves it forward
    const moves = mine
      .filter((r) => !r.device_id)
      .map((r) => ({
        id: r.notification_id,
        status: r.status,
        reason: r.error ?? null,
        rank: STATUS_RANK[r.status],
        at: r.timestamp,
        channel: r.channel ?? null,
      }));
    if (moves.length > 0) {
      // the FROM list reads the rows before the update: `was` is the status each one moved from
      const moved = await tx.execute(sql`
            update ${notifications} as n
            set status = v.status, status_reason = v.reason, updated_at = now()
            from (
              select distinct on (x.id) x.id, x.status, x.reason, x.rank, before.status as was
              from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) as x(id uuid, status text, reason text, rank int, at text, channel text)
              join ${notifications} as before on before.id = x.id
              -- a channel the notification fell back from reports no more
              where x.channel is null or x.channel = before.channel
              order by x.id, x.rank desc
            ) as v
            where n.id = v.id and ${rankSql(sql`n.status`)} < v.rank
            returning n.id, v.was`);
      if (onStatusMoved) {
        const changes = stepsOf(
          moves,
          rowsOf<{ id: string; was: NotificationStatus }>(moved).map((r) => ({ id: String(r.id), was: r.was })),
        );
        if (changes.length > 0) await onStatusMoved(tx as unknown as Db, changes);
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
}
