import type { Db } from '../../shared/db/create-db.js';
import { createNotificationStore } from './notification-store.js';
import { createWebhookEmitter } from './webhooks/webhook-emitter.js';

/**
 * The gateway's notification store as every runtime builds it (`npm start`,
 * compose, Lambda): a status that moves raises its webhook events in the
 * transaction that records it.
 */
export function createGatewayStore(db: Db) {
  return createNotificationStore(db, { onStatusMoved: createWebhookEmitter() });
}
