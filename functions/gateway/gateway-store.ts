import type { Db } from '../../shared/db/create-db.js';
import { createNotificationStore, insertAcceptedIn, type NotificationStore } from './notification-store.js';
import type { IntakeEvents } from './webhooks/intake-events.js';
import { createWebhookEmitter } from './webhooks/webhook-emitter.js';

export interface GatewayStoreOptions {
  /** The webhook events of what intake records, written in the statement that inserts it (absent: none). */
  intakeEvents?: IntakeEvents;
}

/**
 * The gateway's notification store as every runtime builds it (`npm start`,
 * compose, Lambda): a status that moves raises its webhook events in the
 * transaction that records it, and so does a notification intake records.
 */
export function createGatewayStore(db: Db, options: GatewayStoreOptions = {}): NotificationStore {
  const store = createNotificationStore(db, { onStatusMoved: createWebhookEmitter() });
  const intakeEvents = options.intakeEvents;
  if (!intakeEvents) return store;
  return {
    ...store,
    async insertAccepted(rows, outboxRows, events = []) {
      return insertAcceptedIn(db, rows, outboxRows, events, await intakeEvents(rows));
    },
  };
}
