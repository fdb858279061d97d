import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { bulkInsert } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { inList } from '../../../shared/db/in-list.js';
import type { WebhookMessage } from '../../../shared/messages.js';
import { notificationJson } from '../intake/notification-wire.js';
import type { StatusMove } from '../notification-store.js';
import { notifications, outbox } from '../schema.js';
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
      const to = type ? endpoints.filter((e) => e.events.includes(type)) : [];
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
    const deliveries: Array<typeof webhookDeliveries.$inferInsert> = [];
    const messages: Array<typeof outbox.$inferInsert> = [];
    for (const { move, type, to } of wanted) {
      const row = byId.get(move.id);
      if (!row) continue;
      const payload = { type, timestamp: new Date(move.occurredAt).toISOString(), data: notificationJson(row) };
      for (const endpoint of to) {
        const id = randomUUID();
        deliveries.push({ id, endpointId: endpoint.id, eventType: type, notificationId: row.id, payload });
        const message: WebhookMessage = {
          delivery_id: id,
          endpoint_id: endpoint.id,
          notification_id: row.id,
          event_type: type,
          attempt: 1,
        };
        messages.push({ notificationId: row.id, routingKey: 'webhook', payload: message });
      }
    }
    if (deliveries.length === 0) return;
    await bulkInsert(tx, webhookDeliveries, deliveries);
    await bulkInsert(tx, outbox, messages);
  };
}
