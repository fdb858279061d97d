import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { TemplateVersion } from '../../../shared/clients/template-client.js';
import type { Recipient } from '../../../shared/clients/user-client.js';
import { MissingVariablesError, NotFoundError } from '../../../shared/errors.js';
import type { MessageInput } from '../../../shared/messages.js';
import { quietHoursRelease } from '../../../shared/schedule/quiet-hours.js';
import { channelsOf } from '../../../shared/schemas/channel-list.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import { type ChannelChoice, chooseChannel } from '../fallback/channel-choice.js';
import { fellBackText } from '../fallback/fall-back.js';
import type { FallbackPlan } from '../fallback/fallback-plan.js';
import type { NewEvent, NewNotification, NewOutboxRow } from '../notification-store.js';
import { errorResult, type IntakeResult, type Item } from './intake-call.js';
import { type Lookups, templateKey } from './intake-lookups.js';
import type { acceptedNotification } from './notification.responses.js';
import { fallbackJson } from './notification-wire.js';

/** What one item comes to: its answer, and the rows to write when it is recorded. */
export interface Decision {
  result: IntakeResult;
  row?: NewNotification;
  /** Only for a notification that is to be sent (`pending`, or `deferred` until its release). */
  outboxRow?: NewOutboxRow;
  /** Its first timeline events, when intake has something to say (channels passed over, the release time of a deferred one). */
  events?: NewEvent[];
}

/** How intake applies the recipient's quiet hours. */
export interface QuietHoursPolicy {
  /** A notification of this priority or above is sent inside quiet hours too. */
  bypassPriority: number;
}

/** The template's required variables the request left empty. */
export function missingVariables(template: TemplateVersion, variables: Record<string, unknown>): string[] {
  return template.variables
    .filter((v) => v.required)
    .map((v) => v.name)
    .filter((name) => variables[name] === undefined || variables[name] === null || variables[name] === '');
}

/** When a notification due at `due` leaves quiet hours, or null when it may go at `due`. */
function releaseOf(item: Item, recipient: Recipient, due: Date, policy: QuietHoursPolicy): Date | null {
  const quietHours = recipient.preferences.quiet_hours;
  if (!quietHours || item.body.priority >= policy.bypassPriority) return null;
  return quietHoursRelease(due, quietHours, recipient.preferences.timezone);
}

/** The delivery message the relay publishes for a pending notification on `channel` (`fallback`: a later channel follows). */
function messageOf(id: string, item: Item, channel: Channel, recipient: Recipient, template: TemplateVersion, fallback: boolean) {
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
    ...(fallback && { fallback: true }),
  };
  const payload: MessageInput<'email'> | MessageInput<'push'> = channel === 'email' ? { ...base, to: recipient.email } : base;
  return payload;
}

/** A notification to record for a recipient and template that were found. */
function recorded(
  apiKeyId: string,
  item: Item,
  recipient: Recipient,
  templates: Map<Channel, TemplateVersion>,
  suppressed: Set<string>,
  quietHours: QuietHoursPolicy,
  rateLimited: boolean,
) {
  const { body } = item;
  const id = randomUUID();
  const now = new Date();
  const channels = channelsOf(body.notification_type);
  const choice: ChannelChoice = rateLimited
    ? { channel: channels[0]!, policy: { status: 'skipped', reason: 'rate_limited' }, tried: [], later: [] }
    : chooseChannel(channels, recipient, templates, suppressed, now);
  const { channel, policy } = choice;
  const template = templates.get(channel)!;
  const sendAt = body.send_at ? new Date(body.send_at) : null;
  const release = policy.status === 'pending' ? releaseOf(item, recipient, sendAt ?? now, quietHours) : null;
  const { status, reason } = release ? { status: 'deferred' as const, reason: 'quiet_hours' as const } : policy;
  const toSend = status === 'pending' || status === 'deferred';
  const plan: FallbackPlan | null =
    channels.length > 1
      ? {
          channels,
          tried: choice.tried,
          next: toSend
            ? choice.later.map((later, i) => {
                const pinned = templates.get(later)!;
                return {
                  channel: later,
                  templateVersion: pinned.version,
                  language: pinned.language,
                  category: pinned.category,
                  recipient: later === 'email' ? recipient.email : null,
                  payload: messageOf(id, item, later, recipient, pinned, i < choice.later.length - 1),
                };
              })
            : [],
        }
      : null;
  const data: z.output<typeof acceptedNotification> = {
    notification_id: id,
    status,
    ...(reason && { reason }),
    request_id: item.requestId,
    notification_type: channel,
    user_id: body.user_id,
    template_code: body.template_code,
    template_version: template.version,
    language: template.language,
    priority: body.priority,
    send_at: body.send_at ?? null,
    ...(release && { deferred_until: release.toISOString() }),
    ...(plan && { fallback: fallbackJson(plan) }),
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
    channel,
    userId: body.user_id,
    templateCode: body.template_code,
    templateVersion: template.version,
    language: template.language,
    category: template.category,
    recipient: channel === 'email' ? recipient.email : null,
    variables: body.variables,
    metadata: body.metadata,
    priority: body.priority,
    status,
    statusReason: reason,
    sendAt,
    response,
    fallback: plan,
    createdAt: now,
    updatedAt: now,
  };
  const outboxRow: NewOutboxRow | undefined = toSend
    ? {
        notificationId: id,
        routingKey: channel,
        payload: messageOf(id, item, channel, recipient, template, choice.later.length > 0),
        availableAt: release ?? sendAt ?? now,
      }
    : undefined;
  // each channel passed over, then the quiet hours of the one chosen
  const events: NewEvent[] = choice.tried.map((tried, i) => ({
    notificationId: id,
    status: 'pending',
    response: fellBackText(tried.channel, choice.tried[i + 1]?.channel ?? channel, tried.reason),
    occurredAt: now,
  }));
  if (release) {
    events.push({
      notificationId: id,
      status: 'deferred',
      response: `quiet hours until ${release.toISOString()}`,
      occurredAt: now,
    });
  }
  return { result: { status: response.status, body: response.body, replayed: false }, row, outboxRow, events };
}

/**
 * Step "decide": one item against what was looked up. An unknown user or
 * template (on any channel of a list) is 404, a missing variable 422; otherwise the notification is
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
  const templates = new Map<Channel, TemplateVersion>();
  for (const channel of channelsOf(item.body.notification_type)) {
    const template = lookups.templates.get(templateKey(channel, item.body.template_code, recipient));
    if (!template) {
      return { result: errorResult(new NotFoundError(`Template ${item.body.template_code} not found for channel ${channel}`)) };
    }
    templates.set(channel, template);
  }
  const missing = [...new Set([...templates.values()].flatMap((template) => missingVariables(template, item.body.variables)))];
  if (missing.length > 0) return { result: errorResult(new MissingVariablesError(missing)) };
  return recorded(apiKeyId, item, recipient, templates, lookups.suppressed, quietHours, rateLimited);
}
