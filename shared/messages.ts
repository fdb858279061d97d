import { z } from 'zod';
import { channelSchema } from './schemas/channels.js';
import { notificationStatusSchema } from './schemas/notification-statuses.js';

/**
 * The queue message catalog: one zod schema and one retry policy per routing
 * key. Producers and consumers infer their types from it; the queue adapters
 * validate every delivery against it, so a message from any producer (an old
 * deploy, a hand-edited redrive) that does not match is dead-lettered with the
 * reason instead of reaching a handler.
 *
 * Wire format is snake_case, like every other contract of the platform.
 */

/** Highest message priority; RabbitMQ queues are declared with this `x-max-priority`. */
export const MAX_PRIORITY = 10;

/** How a routing key's transient failures are retried: exponential backoff with jitter, capped. */
export interface RetryPolicy {
  /** Deliveries in all, the first included; after the last one fails the message is dead-lettered. */
  maxAttempts: number;
  /** Delay after the first failed attempt. */
  baseDelayMs: number;
  /** Each further delay is the previous one times this. */
  factor: number;
  /** No delay exceeds this (jitter included). */
  maxDelayMs: number;
  /** 0..1: the delay is drawn from [delay * (1 - jitter), delay], so retries of many messages spread out. */
  jitter: number;
}

const variables = z.record(z.string(), z.unknown());

/** Fields every delivery message carries, whatever the channel. */
const deliveryBase = {
  notification_id: z.uuid(),
  request_id: z.string().min(1).max(200),
  correlation_id: z.string().min(1).max(200),
  /** 1 for the first delivery; adapters overwrite it with the broker's count before the handler runs. */
  attempt: z.int().min(1),
  priority: z.int().min(0).max(MAX_PRIORITY),
  user_id: z.uuid(),
  template_code: z.string().min(1).max(200),
  /** Pinned when the notification was accepted, so a later template edit cannot change what is sent. */
  template_version: z.int().min(1),
  language: z.string().min(2).max(35),
  variables,
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** W3C trace context of the request that accepted the notification. */
  traceparent: z.string().max(512).optional(),
  /**
   * A later channel of the notification's list follows this one: a permanent
   * failure here is final (recorded, not dead-lettered, so no redrive sends
   * on this channel after the next one did) and its report says `final`.
   */
  fallback: z.boolean().optional(),
};

export const emailMessageSchema = z.object({
  ...deliveryBase,
  to: z.email(),
});

/** The push worker loads the user's devices itself, so no recipient travels in the message. */
export const pushMessageSchema = z.object({
  ...deliveryBase,
});

/** The in-app worker stores the rendered item in the recipient's inbox; nothing but the user id is needed. */
export const inAppMessageSchema = z.object({
  ...deliveryBase,
});

export const statusMessageSchema = z.object({
  notification_id: z.uuid(),
  status: notificationStatusSchema,
  channel: channelSchema,
  timestamp: z.iso.datetime({ offset: true }),
  attempt: z.int().min(1),
  correlation_id: z.string().min(1).max(200).optional(),
  provider: z.string().max(100).optional(),
  provider_message_id: z.string().max(500).optional(),
  /** Provider response (e.g. SMTP reply line), trimmed by the producer. */
  response: z.string().max(2000).optional(),
  error: z.string().max(2000).optional(),
  device_id: z.string().max(200).optional(),
  /**
   * The provider says this address must not be mailed again (hard bounce,
   * complaint). The gateway, which owns the suppression list, records it.
   */
  suppress: z.object({ address: z.email(), reason: z.enum(['hard_bounce', 'complaint']) }).optional(),
  /**
   * This channel has given the notification up for good (a permanent failure,
   * an opt-out or suppression, recorded by the worker): the gateway moves a
   * notification with a channel list on to its next channel.
   */
  final: z.literal(true).optional(),
});

/**
 * One signed outbound webhook to send: the delivery row (`webhook_deliveries`,
 * owned by the gateway) holds the endpoint, the event and its payload; the
 * message only says which row, so a redelivery sends exactly what was stored.
 */
export const webhookMessageSchema = z.object({
  delivery_id: z.uuid(),
  endpoint_id: z.uuid(),
  /** The notification the event is about (logs, traces). */
  notification_id: z.uuid(),
  event_type: z.string().min(1).max(100),
  /** 1 for the first delivery; adapters overwrite it with the broker's count. */
  attempt: z.int().min(1),
  correlation_id: z.string().min(1).max(200).optional(),
});

/** The catalog: routing key -> schema + retry policy. */
export const MESSAGES = {
  email: {
    schema: emailMessageSchema,
    // SMTP relays greylist and rate-limit for minutes, so the tail of the backoff is long
    retry: { maxAttempts: 6, baseDelayMs: 2_000, factor: 4, maxDelayMs: 15 * 60_000, jitter: 0.2 },
  },
  push: {
    schema: pushMessageSchema,
    // push services recover fast, and a late push is worth little
    retry: { maxAttempts: 5, baseDelayMs: 1_000, factor: 3, maxDelayMs: 5 * 60_000, jitter: 0.2 },
  },
  in_app: {
    schema: inAppMessageSchema,
    // the inbox is the gateway's own database: a failure is an outage of it, short or long
    retry: { maxAttempts: 8, baseDelayMs: 500, factor: 3, maxDelayMs: 5 * 60_000, jitter: 0.2 },
  },
  status: {
    schema: statusMessageSchema,
    // status writes only fail when the gateway's database is down; keep trying for a while
    retry: { maxAttempts: 10, baseDelayMs: 500, factor: 2, maxDelayMs: 60_000, jitter: 0.2 },
  },
  webhook: {
    schema: webhookMessageSchema,
    // a customer's endpoint may be down for hours: 8 attempts over about a day (30 s, 2 min, 8 min, 32 min,
    // 2 h, 8.5 h, then 12 h), each shortened by up to a fifth so retries of many deliveries spread out
    retry: { maxAttempts: 8, baseDelayMs: 30_000, factor: 4, maxDelayMs: 12 * 3_600_000, jitter: 0.2 },
  },
} as const satisfies Record<string, { schema: z.ZodType; retry: RetryPolicy }>;

export type RoutingKey = keyof typeof MESSAGES;
export const ROUTING_KEYS = Object.keys(MESSAGES) as RoutingKey[];

/** The message a handler of `K` receives (defaults applied). */
export type MessageOf<K extends RoutingKey> = z.output<(typeof MESSAGES)[K]['schema']>;
/** What a producer of `K` may publish (defaulted fields optional). */
export type MessageInput<K extends RoutingKey> = z.input<(typeof MESSAGES)[K]['schema']>;

export type EmailMessage = MessageOf<'email'>;
export type PushMessage = MessageOf<'push'>;
export type InAppMessage = MessageOf<'in_app'>;
export type StatusMessage = MessageOf<'status'>;
export type WebhookMessage = MessageOf<'webhook'>;

export function isRoutingKey(value: unknown): value is RoutingKey {
  return typeof value === 'string' && Object.hasOwn(MESSAGES, value);
}

/** Retry policies of every key, with `overrides` on top (tests shorten delays this way). */
export function retryPolicies(
  overrides: Partial<Record<RoutingKey, Partial<RetryPolicy>>> = {},
): Record<RoutingKey, RetryPolicy> {
  return {
    email: { ...MESSAGES.email.retry, ...overrides.email },
    push: { ...MESSAGES.push.retry, ...overrides.push },
    in_app: { ...MESSAGES.in_app.retry, ...overrides.in_app },
    status: { ...MESSAGES.status.retry, ...overrides.status },
    webhook: { ...MESSAGES.webhook.retry, ...overrides.webhook },
  };
}

/**
 * Delay before the next delivery after attempt `attempt` (1-based) failed:
 * `baseDelayMs * factor^(attempt-1)`, capped at `maxDelayMs`, then reduced
 * by up to `jitter` of itself using `random` (a draw from [0, 1)). Pure.
 */
export function nextDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const exponent = Math.max(0, attempt - 1);
  const raw = policy.baseDelayMs * policy.factor ** exponent;
  const capped = Math.min(policy.maxDelayMs, Number.isFinite(raw) ? raw : policy.maxDelayMs);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const draw = Math.min(1, Math.max(0, random));
  return Math.max(0, Math.round(capped * (1 - jitter * draw)));
}
