import type { NotificationStatus } from '../../../shared/schemas/notification-statuses.js';

/** Every event an endpoint may subscribe to. */
export const WEBHOOK_EVENTS = [
  'notification.accepted',
  'notification.sent',
  'notification.delivered',
  'notification.failed',
  'notification.bounced',
  'notification.complained',
  'notification.read',
  'notification.skipped',
  'workflow_run.completed',
  'webhook_endpoint.disabled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/**
 * The event a notification's move to a status is. `sending` is a worker
 * handing it to the provider (`sent`); a suppressed or cancelled notification
 * is one the platform skipped. `queued` is bookkeeping of the outbox, no event.
 */
export const EVENT_OF_STATUS: Partial<Record<NotificationStatus, WebhookEventType>> = {
  pending: 'notification.accepted',
  sending: 'notification.sent',
  delivered: 'notification.delivered',
  failed: 'notification.failed',
  bounced: 'notification.bounced',
  complained: 'notification.complained',
  read: 'notification.read',
  skipped: 'notification.skipped',
  suppressed: 'notification.skipped',
  cancelled: 'notification.skipped',
};

/**
 * The event intake raises for a notification it records (in the statement
 * that inserts it): accepted when it is to be sent (now, at its `send_at`, or
 * after the recipient's quiet hours), skipped when intake already decided it
 * is not (opted out, address suppressed, rate limited).
 */
export const EVENT_AT_INTAKE: Partial<Record<NotificationStatus, WebhookEventType>> = {
  pending: 'notification.accepted',
  deferred: 'notification.accepted',
  skipped: 'notification.skipped',
  suppressed: 'notification.skipped',
};
