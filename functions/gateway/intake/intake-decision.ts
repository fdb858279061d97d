import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { TemplateVersion } from '../../../shared/clients/template-client.js';
import type { Recipient } from '../../../shared/clients/user-client.js';
import { MissingVariablesError, NotFoundError } from '../../../shared/errors.js';
import type { MessageInput } from '../../../shared/messages.js';
import { quietHoursRelease } from '../../../shared/schedule/quiet-hours.js';
import type { IntakeReason } from '../../../shared/schemas/notification-statuses.js';
import type { NewEvent, NewNotification, NewOutboxRow } from '../notification-store.js';
import { errorResult, type IntakeResult, type Item } from './intake-call.js';
import { type Lookups, templateKey } from './intake-lookups.js';
import type { acceptedNotification } from './notification.responses.js';

/** What one item comes to: its answer, and the rows to write when it is recorded. */
export interface Decision {
  result: IntakeResult;
  row?: NewNotification;
  /** Only for a notification that is to be sent (`pending`, or `deferred` until its release). */
  outboxRow?: NewOutboxRow;
  /** Its first timeline event, when intake has something to say (the release time of a deferred one). */
  event?: NewEvent;
}

/** How intake applies the recipient's quiet hours. */
export interface QuietHoursPolicy {
  /** A notification of this priority or above is sent inside quiet hours too. */
  bypassPriority: number;
}

type RecordedStatus = 'pending' | 'deferred' | 'skipped' | 'suppressed';

/** The template's required variables the request left empty. */
export function missingVariables(template: TemplateVersion, variables: Record<string, unknown>): string[] {
  return template.variables
    .filter((v) => v.required)
    .map((v) => v.name)
    .filter((name) => variables[name] === undefined || variables[name] === null || variables[name] === '');
}

/** Preferences and category opt-outs skip it; the suppression list suppresses an email. */
function policyOf(
  item: Item,
  recipient: Recipient,
  template: TemplateVersion,
  suppressed: Set<string>,
  rateLimited: boolean,
): { status: RecordedStatus; reason: IntakeReason | null } {
  if (rateLimited) return { status: 'skipped', reason: 'rate_limited' };
  const prefs = recipient.preferences;
  const channel = item.body.notification_type;
  if (!prefs[channel] || prefs.opt_out_categories.includes(template.category)) {
    return { status: 'skipped', reason: 'opted_out' };
  }
  if (channel === 'email' && suppressed.has(recipient.email.toLowerCase())) {
    return { status: 'suppressed', reason: 'address_suppressed' };
  }
  return { status: 'pending', reason: null };
}

/** When a notification due at `due` leaves quiet hours, or null when it may go at `due`. */
function releaseOf(item: Item, recipient: Recipient, due: Date, policy: QuietHoursPolicy): Date | null {
  const quietHours = recipient.preferences.quiet_hours;
  if (!quietHours || item.body.priority >= policy.bypassPriority) return null;
  return quietHoursRelease(due, quietHours, recipient.preferences.timezone);
}

/** The delivery message the relay publishes for a pending notification. */
function messageOf(id: string, item: Item, recipient: Recipient, template: TemplateVersion) {
  const { body, request } = item;
  const base = {
    notification_id: id,
    request_id: item.requestId,
    correlation_id: request.correlationId,
    attempt: 1,
    priority: body.priority,
    user_id: body.user_id,
    template_code: body.template_code,
    template_version: template.version,
    language: template.language,
    variables: body.variables,
    metadata: body.metadata,
    ...(request.traceparent && { traceparent: request.traceparent }),
  };
  const payload: MessageInput<'email'> | MessageInput<'push'> =
    body.notification_type === 'email' ? { ...base, to: recipient.email } : base;
  return payload;
}

/** A notification to record for a recipient and template that were found. */
function recorded(
  apiKeyId: string,
  item: Item,
  recipient: Recipient,
  template: TemplateVersion,
  suppressed: Set<string>,
  quietHours: QuietHoursPolicy,
  rateLimited: boolean,
) {
  const { body } = item;
  const policy = policyOf(item, recipient, template, suppressed, rateLimited);
  const id = randomUUID();
  const now = new Date();
  const sendAt = body.send_at ? new Date(body.send_at) : null;
  const release = policy.status === 'pending' ? releaseOf(item, recipient, sendAt ?? now, quietHours) : null;
  const { status, reason } = release ? { status: 'deferred' as const, reason: 'quiet_hours' as const } : policy;
  const toSend = status === 'pending' || status === 'deferred';
  const data: z.output<typeof acceptedNotification> = {
    notification_id: id,
    status,
    ...(reason && { reason }),
    request_id: item.requestId,
    notification_type: body.notification_type,
    user_id: body.user_id,
    template_code: body.template_code,
    template_version: template.version,
    language: template.language,
    priority: body.priority,
    send_at: body.send_at ?? null,
    ...(release && { deferred_until: release.toISOString() }),
    created_at: now.toISOString(),
  };
  const message =
    status === 'pending'
      ? 'Notification accepted'
      : status === 'deferred'
        ? `Notification accepted, held for quiet hours until ${release!.toISOString()}`
        : `Notification recorded as ${status} (${reason})`;
  const response = { status: toSend ? 202 : 200, body: { success: true, data, message } };
  const row: NewNotification = {
    id,
    apiKeyId,
    requestId: item.requestId,
    requestHash: item.hash,
    channel: body.notification_type,
    userId: body.user_id,
    templateCode: body.template_code,
    templateVersion: template.version,
    language: template.language,
    category: template.category,
    recipient: body.notification_type === 'email' ? recipient.email : null,
    variables: body.variables,
    metadata: body.metadata,
    priority: body.priority,
    status,
    statusReason: reason,
    sendAt,
    response,
    createdAt: now,
    updatedAt: now,
  };
  const outboxRow: NewOutboxRow | undefined = toSend
    ? {
        notificationId: id,
        routingKey: body.notification_type,
        payload: messageOf(id, item, recipient, template),
        availableAt: release ?? sendAt ?? now,
      }
    : undefined;
  const event: NewEvent | undefined = release
    ? { notificationId: id, status: 'deferred', response: `quiet hours until ${release.toISOString()}`, occurredAt: now }
    : undefined;
  return { result: { status: response.status, body: response.body, replayed: false }, row, outboxRow, event };
}

/**
 * Step "decide": one item against what was looked up. An unknown user or
 * template is 404, a missing variable 422; otherwise the notification is
 * recorded as `pending` (to be sent), `skipped` or `suppressed`.
 */
export function decide(
  apiKeyId: string,
  item: Item,
  lookups: Lookups,
  quietHours: QuietHoursPolicy,
  rateLimited = false,
): Decision {
  const recipient = lookups.recipients.get(item.body.user_id);
  if (!recipient) return { result: errorResult(new NotFoundError(`User ${item.body.user_id} not found`)) };
  const template = lookups.templates.get(templateKey(item, recipient));
  if (!template) {
    return {
      result: errorResult(
        new NotFoundError(`Template ${item.body.template_code} not found for channel ${item.body.notification_type}`),
      ),
    };
  }
  const missing = missingVariables(template, item.body.variables);
  if (missing.length > 0) return { result: errorResult(new MissingVariablesError(missing)) };
  return recorded(apiKeyId, item, recipient, template, lookups.suppressed, quietHours, rateLimited);
}
