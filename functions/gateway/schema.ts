import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { Channel } from '../../shared/schemas/channels.js';
import type { FallbackPlan } from './fallback/fallback-plan.js';

/** Tables owned by the gateway. No other function reads them. */

/** What an outbox row is published to: a channel's queue, or the webhooks' queue. */
export type OutboxKey = Channel | 'webhook';

export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The API key that sent it: idempotency and visibility are per key. */
    apiKeyId: text('api_key_id').notNull(),
    requestId: text('request_id').notNull(),
    /** sha256 of the canonical request, to tell a replay from a different request with the same id. */
    requestHash: text('request_hash').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
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
    /** The ordered channel list and how far along it the notification is; null for one channel. */
    fallback: jsonb('fallback').$type<FallbackPlan>(),
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
    /** A channel (a delivery to publish), or `webhook` (a signed event for a customer's endpoint). */
    routingKey: text('routing_key').$type<OutboxKey>().notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** Not published before this (scheduled sends). */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    /** A relay holds the row until then while it publishes; an expired lease lets another relay take it. */
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outbox_due_idx').on(t.availableAt, t.id), index('outbox_notification_idx').on(t.notificationId)],
);

/** Addresses that must not be mailed again (hard bounces, complaints). */
export const suppressions = pgTable('suppressions', {
  address: text('address').primaryKey(),
  reason: text('reason').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The in-app inbox: one row per delivered in-app notification, in its user's
 * feed. `seq` orders the feed (newest first), pages it (the cursor) and
 * numbers the stream's events (`Last-Event-ID`). Read, seen and archived are
 * the user's marks, null until set.
 */
export const inboxItems = pgTable(
  'inbox_items',
  {
    /** The notification's id: one item per notification, so a redelivery stores nothing twice. */
    id: uuid('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    userId: uuid('user_id').notNull(),
    templateCode: text('template_code').notNull(),
    category: text('category').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    actionUrl: text('action_url'),
    avatarUrl: text('avatar_url'),
    data: jsonb('data').$type<Record<string, string>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
    seenAt: timestamp('seen_at', { withTimezone: true }),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inbox_items_seq_key').on(t.seq),
    index('inbox_items_user_seq_idx').on(t.userId, t.seq),
    // the badge: a user's unread items, counted without reading the rest of the feed
    index('inbox_items_user_unread_idx').on(t.userId).where(sql`${t.readAt} is null and ${t.archivedAt} is null`),
  ],
);

export { webhookDeliveries, webhookEndpointStats, webhookEndpoints } from './webhooks/webhook-schema.js';

/**
 * Fan-outs: one request sent to every subscriber of a topic. The row holds
 * the request (as intake read it), the topic, and the progress of the pages
 * done: `cursor` is the last subscriber's user id whose notification was
 * written, advanced in the transaction that writes a page's notifications, so
 * a worker that dies mid fan-out leaves it exactly where its last page ended.
 * A worker holds the row while it runs it (`leased_until`); an expired lease
 * lets another gateway take it over.
 */
export const fanouts = pgTable(
  'fanouts',
  {
    id: uuid('id').primaryKey(),
    apiKeyId: text('api_key_id').notNull(),
    requestId: text('request_id').notNull(),
    requestHash: text('request_hash').notNull(),
    topicKey: text('topic_key').notNull(),
    /** The notification request every subscriber gets (snake_case, as intake validated it; no recipient). */
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    correlationId: text('correlation_id').notNull(),
    traceparent: text('traceparent'),
    /** `running` until the last page is written, then `completed` (or `failed`: the topic is gone). */
    state: text('state').$type<'running' | 'completed' | 'failed'>().notNull(),
    error: text('error'),
    /** Subscribers when it was accepted (they may change while it runs). */
    total: integer('total').notNull(),
    /** Notifications created to be sent. */
    created: integer('created').notNull().default(0),
    /** Subscribers recorded without a send: preferences, suppression, their rate limit. */
    skipped: integer('skipped').notNull().default(0),
    /** Subscribers nothing could be recorded for (e.g. their language's template lacks a variable). */
    failed: integer('failed').notNull().default(0),
    cursor: uuid('cursor'),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('fanouts_api_key_request_key').on(t.apiKeyId, t.requestId),
    // what the workers poll: fan-outs still running
    index('fanouts_running_idx').on(t.leasedUntil).where(sql`${t.state} = 'running'`),
  ],
);

export {
  workflowDigestEvents,
  workflowDigests,
  workflowRunSteps,
  workflowRuns,
  workflows,
  workflowThrottlePasses,
  workflowVersions,
} from './workflows/workflow-schema.js';
