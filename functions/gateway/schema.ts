import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Tables owned by the gateway. No other function reads them. */

export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The API key that sent it: idempotency and visibility are per key. */
    apiKeyId: text('api_key_id').notNull(),
    requestId: text('request_id').notNull(),
    /** sha256 of the canonical request, to tell a replay from a different request with the same id. */
    requestHash: text('request_hash').notNull(),
    channel: text('channel').$type<'email' | 'push'>().notNull(),
    userId: uuid('user_id').notNull(),
    templateCode: text('template_code').notNull(),
    templateVersion: integer('template_version'),
    language: text('language'),
    category: text('category'),
    recipient: text('recipient'),
    variables: jsonb('variables').$type<Record<string, unknown>>().notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
    priority: integer('priority').notNull(),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    sendAt: timestamp('send_at', { withTimezone: true }),
    /** The response the first request got, replayed verbatim to later identical requests. */
    response: jsonb('response').$type<{ status: number; body: unknown }>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notifications_api_key_request_key').on(t.apiKeyId, t.requestId),
    index('notifications_user_created_idx').on(t.userId, t.createdAt),
    index('notifications_created_idx').on(t.createdAt),
  ],
);

/** The timeline: every status report about a notification, in arrival order. */
export const notificationEvents = pgTable(
  'notification_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationId: uuid('notification_id')
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    attempt: integer('attempt'),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    response: text('response'),
    error: text('error'),
    deviceId: text('device_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('notification_events_notification_idx').on(t.notificationId, t.id),
    // the dashboard's throughput: deliveries and failures recorded in the last minutes
    index('notification_events_recorded_idx').on(t.recordedAt),
  ],
);

/**
 * Transactional outbox: written with the notification, published by the
 * relay, deleted once published (the notification's `queued` event keeps the
 * record). Only rows still to publish live here.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationId: uuid('notification_id').notNull(),
    routingKey: text('routing_key').$type<'email' | 'push'>().notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** Not published before this (scheduled sends). */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    /** A relay holds the row until then while it publishes; an expired lease lets another relay take it. */
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('outbox_due_idx').on(t.availableAt, t.id),
    index('outbox_notification_idx').on(t.notificationId),
  ],
);

/** Addresses that must not be mailed again (hard bounces, complaints). */
export const suppressions = pgTable('suppressions', {
  address: text('address').primaryKey(),
  reason: text('reason').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
