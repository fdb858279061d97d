import { and, asc, isNotNull } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { inList } from '../../../shared/db/in-list.js';
import type { StatusMessage } from '../../../shared/messages.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import { notificationEvents, notifications, outbox } from '../schema.js';
import { STATUS_RANK } from '../status/notification-status.js';
import type { FallbackPlan } from './fallback-plan.js';

/** The fields of a status report the fallback step reads. */
export type FallbackReport = Pick<StatusMessage, 'notification_id' | 'status' | 'timestamp' | 'error' | 'device_id' | 'final'> & {
  channel?: Channel | undefined;
};

/** Statuses that end a channel's attempt without a delivery. */
const GIVEN_UP = new Set(['failed', 'skipped', 'suppressed']);

/** The timeline's words for a move to the next channel. */
export const fellBackText = (from: Channel, to: Channel, reason: string) => `fell back from ${from} to ${to}: ${reason}`;

/**
 * Step "fall back" of recording status reports, in their transaction: a
 * `final` report that a notification's current channel gave it up (failed,
 * skipped, suppressed) moves a notification with a channel list on to the
 * next channel: its channel, pinned template version and recipient become
 * the next channel's, its status `pending` again (the one move that is not
 * forward: it starts over on another channel), the plan notes what was
 * tried, the timeline says so, and an outbox row queues the next channel's
 * message. All of it commits with the report or not at all, so a crash
 * neither loses the move nor makes it twice; a report of a channel the
 * notification has left (a redelivered or late report) matches no longer
 * and moves nothing. Answers the ids moved on.
 */
export async function fallBackIn(tx: Db, reports: FallbackReport[]): Promise<Set<string>> {
  const candidates = reports.filter((r) => r.final && !r.device_id && r.channel && GIVEN_UP.has(r.status));
  const movedOn = new Set<string>();
  if (candidates.length === 0) return movedOn;
  const rows = await tx
    .select({
      id: notifications.id,
      channel: notifications.channel,
      status: notifications.status,
      fallback: notifications.fallback,
    })
    .from(notifications)
    .where(
      and(inList(notifications.id, [...new Set(candidates.map((r) => r.notification_id))]), isNotNull(notifications.fallback)),
    )
    .orderBy(asc(notifications.id))
    .for('update');
  for (const row of rows) {
    const plan = row.fallback as FallbackPlan;
    const report = candidates.find((r) => r.notification_id === row.id && r.channel === row.channel);
    const next = plan.next[0];
    // delivered (or read, bounced) on this channel already: nothing to fall back from
    if (!report || !next || (STATUS_RANK[row.status as keyof typeof STATUS_RANK] ?? 0) >= STATUS_RANK.delivered) continue;
    const reason = report.error ?? report.status;
    const moved: FallbackPlan = {
      channels: plan.channels,
      tried: [...plan.tried, { channel: row.channel, reason, at: report.timestamp }],
      next: plan.next.slice(1),
    };
    await tx
      .update(notifications)
      .set({
        channel: next.channel,
        templateVersion: next.templateVersion,
        language: next.language,
        category: next.category,
        recipient: next.recipient,
        status: 'pending',
        statusReason: null,
        fallback: moved,
        updatedAt: new Date(),
      })
      .where(inList(notifications.id, [row.id]));
    await tx.insert(notificationEvents).values({
      notificationId: row.id,
      status: 'pending',
      response: fellBackText(row.channel, next.channel, reason),
      occurredAt: new Date(report.timestamp),
    });
    await tx.insert(outbox).values({ notificationId: row.id, routingKey: next.channel, payload: next.payload });
    movedOn.add(row.id);
  }
  return movedOn;
}
