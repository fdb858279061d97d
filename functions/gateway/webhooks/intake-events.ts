import { type SQL, sql } from 'drizzle-orm';
import { bulkInsertSql } from '../../../shared/db/bulk-insert.js';
import type { NotificationStatus } from '../../../shared/schemas/notification-statuses.js';
import { notificationJson } from '../intake/notification-wire.js';
import type { NewNotification, NotificationRow } from '../notification-store.js';
import { outbox } from '../schema.js';
import { eventRows, type RaisedEvent } from './webhook-event-rows.js';
import { EVENT_AT_INTAKE, type WebhookEventType } from './webhook-events.js';
import { webhookDeliveries, webhookEndpoints } from './webhook-schema.js';
import type { WebhookSubscriptions } from './webhook-subscriptions.js';

const INTAKE_TYPES = [...new Set(Object.values(EVENT_AT_INTAKE))] as WebhookEventType[];

/** A notification about to be inserted, as it will read once stored (every column intake does not set is null). */
function asStored(row: NewNotification): NotificationRow {
  const at = row.createdAt ?? new Date();
  return {
    ...row,
    id: row.id!,
    templateVersion: row.templateVersion ?? null,
    language: row.language ?? null,
    category: row.category ?? null,
    recipient: row.recipient ?? null,
    statusReason: row.statusReason ?? null,
    sendAt: row.sendAt ?? null,
    createdAt: at,
    updatedAt: row.updatedAt ?? at,
  };
}

/**
 * The events intake raises (`notification.accepted`, and
 * `notification.skipped` for one it recorded as skipped or suppressed), as
 * statements to run beside the insert of the notifications, in the same
 * statement (`insertAcceptedIn`'s `alongside`): a delivery and an outbox row
 * per event and subscribed endpoint, kept only for the notifications that
 * statement inserted, so a replayed request id raises nothing twice, and only
 * for endpoints still enabled and subscribed then. No endpoint subscribed
 * (the common case, answered from memory): nothing at all.
 */
export function createIntakeEvents(subscriptions: WebhookSubscriptions) {
  return async function intakeEvents(rows: NewNotification[]): Promise<SQL[]> {
    if (rows.length === 0) return [];
    const subscribed = await subscriptions.subscribedTo(INTAKE_TYPES);
    if (subscribed.size === 0) return [];
    const events = rows.flatMap((row) => {
      const type = EVENT_AT_INTAKE[row.status as NotificationStatus];
      const endpointIds = type ? subscribed.get(type) : undefined;
      if (!type || !endpointIds) return [];
      const stored = asStored(row);
      const event: RaisedEvent = {
        type,
        notificationId: stored.id,
        payload: { type, timestamp: stored.createdAt.toISOString(), data: notificationJson(stored) },
      };
      return [{ event, endpointIds }];
    });
    const { deliveries, messages } = eventRows(events);
    if (deliveries.length === 0) return [];
    const stillSubscribed = sql`exists (select 1 from ${webhookEndpoints} e where e.id = r.endpoint_id and e.enabled
      and e.events @> jsonb_build_array(r.event_type))`;
    return [
      sql`, hooked as (${bulkInsertSql(webhookDeliveries, deliveries, {
        where: sql`r.notification_id in (select value from inserted) and ${stillSubscribed}`,
        returning: webhookDeliveries.id,
      })})`,
      sql`, announced as (${bulkInsertSql(outbox, messages, {
        where: sql`(r.payload->>'delivery_id')::uuid in (select value from hooked)`,
      })})`,
    ];
  };
}

export type IntakeEvents = ReturnType<typeof createIntakeEvents>;
