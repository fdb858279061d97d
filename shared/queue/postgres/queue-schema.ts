import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The Postgres queue's one table: a message waits, is in flight (taken, hidden
 * until `visible_at`), waits for a retry (hidden until `visible_at`) or is a
 * dead letter (`dead_at` set). Taken with `FOR UPDATE SKIP LOCKED`, so
 * consumers in several processes share the rows.
 */
export const queueMessages = pgTable(
  'queue_messages',
  {
    id: uuid('id').primaryKey(),
    routingKey: text('routing_key').notNull(),
    /** The message as published (JSON text: an invalid one is dead-lettered with its reason, like on the brokers). */
    body: text('body').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    priority: smallint('priority').notNull().default(0),
    /** Handler attempts, 1 for the first; raised by a retry. */
    attempt: integer('attempt').notNull().default(1),
    /** Times taken since its last settlement: a message whose consumer dies each time reaches the delivery limit. */
    deliveries: integer('deliveries').notNull().default(0),
    visibleAt: timestamp('visible_at', { withTimezone: true }).notNull().defaultNow(),
    /** Token of the take that holds it; a settlement only applies while the token still matches. */
    lease: uuid('lease'),
    deadAt: timestamp('dead_at', { withTimezone: true }),
    deadReason: text('dead_reason'),
  },
  (t) => [
    index('queue_messages_ready_idx').on(t.routingKey, t.priority.desc(), t.visibleAt).where(sql`${t.deadAt} is null`),
    index('queue_messages_dead_idx').on(t.deadAt, t.id).where(sql`${t.deadAt} is not null`),
  ],
);
