import { z } from 'zod';
import { MAX_PRIORITY } from '../../shared/messages.js';
import { NOTIFICATION_STATUSES } from './notification-status.js';

/** Request shapes of the gateway (snake_case, as on the wire). */

export const MAX_BATCH = 1000;

export const notificationBody = z.object({
  notification_type: z.enum(['email', 'push']),
  user_id: z.uuid('must be a uuid'),
  template_code: z.string().min(1).max(200),
  /** Template variables; `name`, `link` and `meta` are the documented ones. */
  variables: z.record(z.string(), z.unknown()).default({}),
  /** Idempotency key of the request (or send the `Idempotency-Key` header). */
  request_id: z.string().min(1).max(200).optional(),
  priority: z.int().min(0).max(MAX_PRIORITY).default(5),
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** Hold delivery until then (ISO 8601 with offset). */
  send_at: z.iso.datetime({ offset: true }).optional(),
});
export type NotificationBody = z.output<typeof notificationBody>;

export const batchBody = z.object({
  notifications: z.array(z.unknown()).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} notifications per batch`),
});

export const notificationIdParam = z.object({ notification_id: z.uuid('must be a uuid') });

export const listNotificationsQuery = z.object({
  user_id: z.uuid().optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  notification_type: z.enum(['email', 'push']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** `POST /api/v1/{email|push}/status`: a delivery report from outside (original contract). */
export const externalStatusBody = z.object({
  notification_id: z.uuid('must be a uuid'),
  status: z.enum(['delivered', 'pending', 'failed']),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  error: z.string().max(2000).optional(),
});
