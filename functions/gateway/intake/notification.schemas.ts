import { z } from 'zod';
import { MAX_PRIORITY } from '../../../shared/messages.js';
import { channelChoiceSchema } from '../../../shared/schemas/channel-list.js';
import { channelSchema } from '../../../shared/schemas/channels.js';
import { externalId } from '../../../shared/schemas/external-id.js';
import { notificationStatusSchema, REPORTED_STATUSES } from '../../../shared/schemas/notification-statuses.js';
import { topicKey } from '../../../shared/schemas/topic-key.js';

/** Request shapes of the gateway (snake_case, as on the wire). */

export const MAX_BATCH = 1000;

export const notificationBody = z.object({
  /** One channel, or an ordered list of 1-3 distinct channels: the first that can deliver is used. */
  notification_type: channelChoiceSchema,
  /** The recipient; or name it by `external_id` (exactly one of the two). */
  user_id: z.uuid('must be a uuid').optional(),
  /** The recipient by the customer's own id, instead of `user_id`. */
  external_id: externalId.optional(),
  /** Every subscriber of this topic, instead of one recipient: answered 202 with a fan-out (not in a batch). */
  topic_key: topicKey.optional(),
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
export type NotificationRequest = z.output<typeof notificationBody>;
/** A request whose recipient is known by user id (given, or resolved from its `external_id`). */
export type NotificationBody = NotificationRequest & { user_id: string };

export const batchBody = z.object({
  notifications: z.array(z.unknown()).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} notifications per batch`),
});

export const notificationIdParam = z.object({ notification_id: z.uuid('must be a uuid') });

export const listNotificationsQuery = z.object({
  user_id: z.uuid().optional(),
  status: notificationStatusSchema.optional(),
  notification_type: channelSchema.optional(),
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** `POST /api/v1/{email|push}/status`: a delivery report from outside (original contract). */
export const externalStatusBody = z.object({
  notification_id: z.uuid('must be a uuid'),
  status: z.enum(REPORTED_STATUSES),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  error: z.string().max(2000).optional(),
});
