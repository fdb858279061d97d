import { z } from 'zod';
import { WEBHOOK_EVENTS } from './webhook-events.js';

/**
 * The response shapes of the webhook routes, declared once: the mappers
 * (`webhook-wire.ts`) return their `z.output`, and the OpenAPI document shows them.
 */

const timestamp = z.iso.datetime({ offset: true });

/** How an endpoint is doing: the dashboard's panel shows exactly this. */
export const webhookEndpointHealth = z.object({
  state: z
    .enum(['healthy', 'failing', 'disabled'])
    .describe('disabled: it gets nothing (`enabled: false`); failing: every attempt since `failing_since` failed'),
  window_hours: z.int().describe('The window of `attempts` and `success_rate`: the hour under way and the ones before it'),
  attempts: z.int().describe('Attempts in the window (a delivery postponed by an open circuit makes none)'),
  success_rate: z.number().min(0).max(1).nullable().describe('Share of those attempts answered 2xx; null without attempts'),
  backlog: z.int().describe('Deliveries still to make: first attempts on their way, retries waiting, postponed ones'),
  last_error: z
    .object({
      code: z.string().describe('`http_503`, `response_timeout`, `blocked_address`, ... (never the body)'),
      status: z.int().nullable().describe('The HTTP status answered; null when no answer came'),
      at: timestamp,
    })
    .nullable()
    .describe('The last failed attempt, kept after later successes; null if none ever failed'),
});

export const webhookEndpointResponse = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('Why deliveries stopped (by request, or failing for too long)'),
  failing_since: timestamp.nullable().describe('Since when every attempt has failed; null after a success'),
  previous_secret_expires_at: timestamp
    .nullable()
    .describe('After a rotation, the old secret also signs until then (24 h); null when only one secret signs'),
  health: webhookEndpointHealth,
  created_at: timestamp,
  updated_at: timestamp,
});

/** The answer to a creation or a rotation: the only time the secret is shown. */
export const webhookEndpointWithSecret = webhookEndpointResponse.extend({
  secret: z.string().describe('`whsec_...`: verify with any Standard Webhooks library. Shown only in this answer'),
});

export const webhookDeliveryResponse = z.object({
  id: z.uuid().describe('The `webhook-id` header: the same on every attempt and redelivery'),
  endpoint_id: z.uuid(),
  event_type: z.enum(WEBHOOK_EVENTS),
  notification_id: z.uuid().nullable(),
  status: z.enum(['pending', 'delivered', 'failed']).describe('failed: every attempt failed, the delivery was dead-lettered'),
  attempts: z.int(),
  response_code: z.int().nullable().describe("The last attempt's HTTP status; null when no answer came"),
  latency_ms: z.int().nullable().describe("The last attempt's duration"),
  last_error: z.string().nullable().describe('A code (`http_503`, `response_timeout`, `blocked_address`), never the body'),
  created_at: timestamp,
  last_attempt_at: timestamp.nullable(),
  delivered_at: timestamp.nullable(),
});

export const webhookDeleted = z.object({ id: z.uuid(), deleted: z.literal(true) });
