import type { z } from 'zod';
import type { webhookDeliveryResponse, webhookEndpointHealth, webhookEndpointResponse } from './webhook.responses.js';
import type { WebhookEventType } from './webhook-events.js';
import { type EndpointHealth, HEALTH_WINDOW_HOURS } from './webhook-health.js';
import type { DeliveryRow, EndpointRow } from './webhook-schema.js';

/** Rows to wire format, in one place; each returns the shape its route documents. Never the secret. */

export function healthJson(e: EndpointRow, health: EndpointHealth): z.output<typeof webhookEndpointHealth> {
  return {
    state: !e.enabled ? 'disabled' : e.failingSince ? 'failing' : 'healthy',
    window_hours: HEALTH_WINDOW_HOURS,
    attempts: health.attempts,
    success_rate: health.attempts > 0 ? health.delivered / health.attempts : null,
    backlog: health.backlog,
    last_error:
      e.lastError && e.lastErrorAt ? { code: e.lastError, status: e.lastErrorStatus, at: e.lastErrorAt.toISOString() } : null,
  };
}

export function endpointJson(
  e: EndpointRow,
  health: EndpointHealth,
  now: Date = new Date(),
): z.output<typeof webhookEndpointResponse> {
  const overlap = e.previousSecretExpiresAt && e.previousSecretExpiresAt > now ? e.previousSecretExpiresAt : null;
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events as WebhookEventType[],
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    failing_since: e.failingSince?.toISOString() ?? null,
    previous_secret_expires_at: overlap?.toISOString() ?? null,
    health: healthJson(e, health),
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

export function deliveryJson(d: DeliveryRow): z.output<typeof webhookDeliveryResponse> {
  return {
    id: d.id,
    endpoint_id: d.endpointId,
    event_type: d.eventType as WebhookEventType,
    notification_id: d.notificationId,
    status: d.status,
    attempts: d.attempts,
    response_code: d.responseCode,
    latency_ms: d.latencyMs,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    last_attempt_at: d.lastAttemptAt?.toISOString() ?? null,
    delivered_at: d.deliveredAt?.toISOString() ?? null,
  };
}
