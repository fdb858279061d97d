import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The delivery workers' ledger (`delivery-ledger.ts`): one row per channel,
 * notification and part (`''` for the whole notification, a device id for
 * one push device). Owned by the worker functions (email, push, ...), each
 * reading and writing only the rows of its own channel.
 */
export const deliveryRecords = pgTable(
  'delivery_records',
  {
    channel: text('channel').notNull(),
    notificationId: uuid('notification_id').notNull(),
    part: text('part').notNull().default(''),
    state: text('state').$type<'in_progress' | 'completed'>().notNull(),
    /** Transport message id of the delivery holding an `in_progress` record. */
    holder: text('holder'),
    /** An `in_progress` record may be taken over after this (its holder died). */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    result: jsonb('result'),
    /** The record is gone for every purpose after this; `sweep` deletes it. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.notificationId, t.part] }), index('delivery_records_expires_idx').on(t.expiresAt)],
);
