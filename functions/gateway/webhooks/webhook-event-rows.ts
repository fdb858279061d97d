import { randomUUID } from 'node:crypto';
import type { WebhookMessage } from '../../../shared/messages.js';
import type { NewOutboxRow } from '../notification-store.js';
import type { WebhookEventType } from './webhook-events.js';
import type { webhookDeliveries } from './webhook-schema.js';

export type NewDelivery = typeof webhookDeliveries.$inferInsert;

/** One event to raise: its type, what it is about, and the payload every endpoint gets. */
export interface RaisedEvent {
  type: WebhookEventType;
  /** The notification it is about; null for an event about an endpoint. */
  notificationId: string | null;
  payload: { type: WebhookEventType; timestamp: string; data: unknown };
}

/** What raising events writes: a delivery row per event and endpoint, and the outbox row that publishes it to `webhook`. */
export interface EventRows {
  deliveries: NewDelivery[];
  messages: NewOutboxRow[];
}

/**
 * The rows of `events` for the endpoints each goes to, built in memory for
 * one set-based insert. A delivery's id is its `webhook-id`; an event about
 * no notification names its delivery instead (the message and the outbox
 * row need an id to log and trace by, as a redelivery does).
 */
export function eventRows(events: Array<{ event: RaisedEvent; endpointIds: string[] }>): EventRows {
  const deliveries: NewDelivery[] = [];
  const messages: NewOutboxRow[] = [];
  for (const { event, endpointIds } of events) {
    for (const endpointId of endpointIds) {
      const id = randomUUID();
      const about = event.notificationId ?? id;
      deliveries.push({
        id,
        endpointId,
        eventType: event.type,
        notificationId: event.notificationId,
        payload: event.payload as Record<string, unknown>,
      });
      const message: WebhookMessage = {
        delivery_id: id,
        endpoint_id: endpointId,
        notification_id: about,
        event_type: event.type,
        attempt: 1,
      };
      messages.push({ notificationId: about, routingKey: 'webhook', payload: message });
    }
  }
  return { deliveries, messages };
}
