import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The gateway's webhook tables: the customer's endpoints and each signed delivery to one of them. */

export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  description: text('description'),
  /** Event types the endpoint subscribed to (`notification.delivered`, ...). */
  events: jsonb('events').$type<string[]>().notNull(),
  /** `whsec_` + base64 key: HMAC-SHA256 key of the Standard Webhooks signature. */
  secret: text('secret').notNull(),
  /** After a rotation the old secret signs too, until `previous_secret_expires_at`. */
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
  enabled: boolean('enabled').notNull().default(true),
  disabledReason: text('disabled_reason'),
  /** Since when every attempt has failed (null after a success); too long and the endpoint is disabled. */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  /** The last failed attempt: its code (`http_503`, `response_timeout`), HTTP status (null: no answer) and time; kept after a success. */
  lastError: text('last_error'),
  lastErrorStatus: integer('last_error_status'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One event for one endpoint. Its id is the `webhook-id` header: the same on
 * every attempt and redelivery, so a receiver deduplicates on it. The payload
 * is frozen when the event happens; every attempt sends exactly it.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    notificationId: uuid('notification_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** `pending` (on its way or retrying), `delivered`, `failed` (gave up: dead-lettered). */
    status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    responseCode: integer('response_code'),
    latencyMs: integer('latency_ms'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_endpoint_created_idx').on(t.endpointId, t.createdAt),
    // an endpoint's backlog (deliveries still to make), counted without reading its delivered ones
    index('webhook_deliveries_endpoint_pending_idx').on(t.endpointId).where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * Attempts and successes of an endpoint per hour (the hour they started):
 * its success rate over the last 24 hours is a sum of at most 24 rows. One
 * upsert per attempt, in the transaction that records it.
 */
export const webhookEndpointStats = pgTable(
  'webhook_endpoint_stats',
  {
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    delivered: integer('delivered').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.endpointId, t.hour] })],
);

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
