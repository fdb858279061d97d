import type { EventRow, NotificationRow } from './notification-store.js';

/** Rows to wire format (snake_case), in one place. */

export function notificationJson(n: NotificationRow) {
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
    status: n.status,
    status_reason: n.statusReason,
    variables: n.variables,
    metadata: n.metadata,
    send_at: n.sendAt?.toISOString() ?? null,
    created_at: n.createdAt.toISOString(),
    updated_at: n.updatedAt.toISOString(),
  };
}

export function eventJson(e: EventRow) {
  return {
    status: e.status,
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
