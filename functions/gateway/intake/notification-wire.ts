import type { z } from 'zod';
import type { NotificationStatus } from '../../../shared/schemas/notification-statuses.js';
import type { FallbackPlan } from '../fallback/fallback-plan.js';
import type { EventRow, NotificationRow } from '../notification-store.js';
import type {
  eventResponse,
  fallbackResponse,
  notificationResponse,
  notificationStatusResponse,
} from './notification.responses.js';

/**
 * Rows to wire format (snake_case), in one place; each returns the shape its
 * route documents. A status column is text written only from the status
 * enumeration, so it reads back as one.
 */

export function notificationJson(n: NotificationRow): z.output<typeof notificationResponse> {
  return {
    id: n.id,
    request_id: n.requestId,
    notification_type: n.channel,
    user_id: n.userId,
    template_code: n.templateCode,
    template_version: n.templateVersion,
    language: n.language,
    category: n.category,
    priority: n.priority,
    status: n.status as NotificationStatus,
    status_reason: n.statusReason,
    variables: n.variables,
    metadata: n.metadata,
    send_at: n.sendAt?.toISOString() ?? null,
    fallback: n.fallback ? fallbackJson(n.fallback) : null,
    created_at: n.createdAt.toISOString(),
    updated_at: n.updatedAt.toISOString(),
  };
}

export function fallbackJson(plan: FallbackPlan): z.output<typeof fallbackResponse> {
  return {
    channels: plan.channels,
    tried: plan.tried.map((t) => ({ channel: t.channel, reason: t.reason, at: t.at })),
    remaining: plan.next.map((n) => n.channel),
  };
}

export function eventJson(e: EventRow): z.output<typeof eventResponse> {
  return {
    status: e.status as NotificationStatus,
    attempt: e.attempt,
    provider: e.provider,
    provider_message_id: e.providerMessageId,
    response: e.response,
    error: e.error,
    device_id: e.deviceId,
    occurred_at: e.occurredAt.toISOString(),
    recorded_at: e.recordedAt.toISOString(),
  };
}

/** The status part of a notification (`GET /api/v1/notifications/:id/status`): where it stands and the last error reported. */
export function statusJson(n: NotificationRow, events: EventRow[]): z.output<typeof notificationStatusResponse> {
  return {
    notification_id: n.id,
    notification_type: n.channel,
    status: n.status as NotificationStatus,
    status_reason: n.statusReason,
    updated_at: n.updatedAt.toISOString(),
    last_error: events.findLast((e) => e.error !== null)?.error ?? null,
  };
}
