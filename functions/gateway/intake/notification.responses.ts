import { z } from 'zod';
import { channelSchema } from '../../../shared/schemas/channels.js';
import { INTAKE_REASONS, INTAKE_STATUSES, NOTIFICATION_STATUSES } from '../../../shared/schemas/notification-statuses.js';

/**
 * The response shapes of the notification routes, declared once: the
 * mappers (`notification-wire.ts`, `intake-decision.ts`) return their
 * `z.output`, and the OpenAPI document (`../openapi.ts`) shows them.
 */

const timestamp = z.iso.datetime({ offset: true });
const status = z.enum(NOTIFICATION_STATUSES);

/** How far a notification sent with a channel list went along it. */
export const fallbackResponse = z
  .object({
    channels: z.array(channelSchema).describe('The ordered channel list of the request'),
    tried: z
      .array(z.object({ channel: channelSchema, reason: z.string(), at: timestamp }))
      .describe('The channels given up on, in order, each with why (no push device, opted out, a permanent failure)'),
    remaining: z.array(channelSchema).describe('The channels still to fall back to'),
  })
  .describe('The channel list and which were tried; `notification_type` is the channel in use (or finally used)');

/** `data` of the answer to `POST /api/v1/notifications` (also each accepted item of a batch). */
export const acceptedNotification = z.object({
  notification_id: z.uuid(),
  status: z.enum(INTAKE_STATUSES),
  reason: z.enum(INTAKE_REASONS).optional().describe('Why it was skipped, suppressed or deferred'),
  request_id: z.string(),
  notification_type: channelSchema,
  user_id: z.uuid(),
  template_code: z.string(),
  template_version: z.int(),
  language: z.string(),
  priority: z.int(),
  send_at: timestamp.nullable(),
  deferred_until: timestamp.optional().describe("When a notification held for the recipient's quiet hours is released"),
  fallback: fallbackResponse.optional().describe('Only for a channel list'),
  created_at: timestamp,
});

export const notificationResponse = z.object({
  id: z.uuid(),
  request_id: z.string(),
  notification_type: channelSchema,
  user_id: z.uuid(),
  template_code: z.string(),
  template_version: z.int().nullable(),
  language: z.string().nullable(),
  category: z.string().nullable(),
  priority: z.int(),
  status,
  status_reason: z.string().nullable(),
  variables: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  send_at: timestamp.nullable(),
  fallback: fallbackResponse.nullable().describe('Null for a notification of one channel'),
  created_at: timestamp,
  updated_at: timestamp,
});

/** One entry of a notification's timeline: a status report. */
export const eventResponse = z.object({
  status,
  attempt: z.int().nullable(),
  provider: z.string().nullable(),
  provider_message_id: z.string().nullable(),
  response: z.string().nullable(),
  error: z.string().nullable(),
  device_id: z.string().nullable(),
  occurred_at: timestamp,
  recorded_at: timestamp,
});

export const notificationWithTimeline = notificationResponse.extend({ timeline: z.array(eventResponse) });

/** `GET /api/v1/notifications/:id/status`. */
export const notificationStatusResponse = z.object({
  notification_id: z.uuid(),
  notification_type: channelSchema,
  status,
  status_reason: z.string().nullable(),
  updated_at: timestamp,
  last_error: z.string().nullable().describe('The last error a delivery attempt reported, if any'),
});

export const cancelledNotification = z.object({ id: z.uuid(), status: z.literal('cancelled') });

/** The whole body of `POST /api/v1/notifications/batch` (207). */
export const batchAnswer = z.object({
  success: z.literal(true),
  data: z.object({
    accepted: z.int(),
    rejected: z.int(),
    items: z.array(
      z
        .object({ index: z.int(), status_code: z.int(), replayed: z.boolean() })
        .catchall(z.unknown())
        .describe('Per item: its status code and the body a single intake would answer (success envelope or error envelope)'),
    ),
  }),
  message: z.string(),
});

/** `data` of `POST /api/v1/{email,push}/status`. */
export const statusRecorded = z.object({ notification_id: z.uuid(), status });
