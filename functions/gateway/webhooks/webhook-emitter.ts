import { eq } from 'drizzle-orm';
import { bulkInsert } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { inList } from '../../../shared/db/in-list.js';
import { notificationJson } from '../intake/notification-wire.js';
import type { StatusMove } from '../notification-store.js';
import { notifications, outbox } from '../schema.js';
import { eventRows, type RaisedEvent } from './webhook-event-rows.js';
import { EVENT_OF_STATUS } from './webhook-events.js';
import { webhookDeliveries, webhookEndpoints } from './webhook-schema.js';

/**
 * The webhooks' side of a status change, run inside the transaction that
 * records it (`onStatusMoved` of the notification store): for each enabled
 * endpoint subscribed to the event, a delivery row with the payload
 * `{ type, timestamp, data }` (`data`: the notification as `GET` shows it,
 * at that moment) and an outbox row the relay publishes to `webhook`. So an
 * event exists exactly when its status change does; nothing is written
 * while no endpoint listens.
 */
export function createWebhookEmitter() {
  return async function emitWebhookEvents(tx: Db, moved: StatusMove[]): Promise<void> {
    const endpoints = await tx
      .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.enabled, true));
    if (endpoints.length === 0) return;
    const wanted = moved.flatMap((move) => {
      const type = EVENT_OF_STATUS[move.status];
      const to = type ? endpoints.filter((e) => e.events.includes(type)).map((e) => e.id) : [];
      return type && to.length > 0 ? [{ move, type, to }] : [];
    });
    if (wanted.length === 0) return;
    const rows = await tx
      .select()
      .from(notifications)
      .where(
        inList(
          notifications.id,
          wanted.map((w) => w.move.id),
        ),
      );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const events = wanted.flatMap(({ move, type, to }) => {
      const row = byId.get(move.id);
      if (!row) return [];
      const event: RaisedEvent = {
        type,
        notificationId: row.id,
        payload: { type, timestamp: new Date(move.occurredAt).toISOString(), data: notificationJson(row) },
      };
      return [{ event, endpointIds: to }];
    });
    const { deliveries, messages } = eventRows(events);
    if (deliveries.length === 0) return;
    await bulkInsert(tx, webhookDeliveries, deliveries);
    await bulkInsert(tx, outbox, messages);
  };
}
