import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { QuietHours } from '../../shared/schedule/quiet-hours.js';
import { PUSH_PLATFORMS } from './devices/push-endpoint.js';

/** Tables owned by the user function. No other function reads them. */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    /** The customer's own id for this recipient, unique in the deployment; set only with an API key. */
    externalId: text('external_id'),
    /** Null for a recipient created by a key (bulk import): it cannot log in until a password is set. */
    passwordHash: text('password_hash'),
    /** Carried in every user token; bumped on a password change, which revokes every token issued before. */
    tokenVersion: integer('token_version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_external_id_key').on(t.externalId),
    index('users_created_at_idx').on(t.createdAt),
  ],
);

export const userPreferences = pgTable('user_preferences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  email: boolean('email').notNull().default(true),
  push: boolean('push').notNull().default(true),
  inApp: boolean('in_app').notNull().default(true),
  language: text('language').notNull().default('en'),
  timezone: text('timezone').notNull().default('UTC'),
  optOutCategories: jsonb('opt_out_categories').$type<string[]>().notNull().default([]),
  /** Held notifications: none is sent inside this window of the user's `timezone` (below the bypass priority). */
  quietHours: jsonb('quiet_hours').$type<QuietHours>(),
  updatedAt: updatedAt(),
});

/** A push device: a Web Push subscription (address = endpoint) or a mobile token (address = token). */
export const pushDevices = pgTable(
  'push_devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'web_push' | 'fcm'>().notNull(),
    address: text('address').notNull(),
    p256dh: text('p256dh'),
    auth: text('auth'),
    platform: text('platform', { enum: PUSH_PLATFORMS }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('push_devices_user_kind_address_key').on(t.userId, t.kind, t.address)],
);

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** sha256 of the key; the key itself is shown once and never stored. */
  keyHash: text('key_hash').notNull().unique(),
  /** First characters of the key, to recognise it in a list. */
  prefix: text('prefix').notNull(),
  scopes: jsonb('scopes').$type<Array<'admin' | 'send'>>().notNull(),
  createdAt: createdAt(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** A named group of recipients to send to in one call (`topic_key` instead of `user_id`). */
export const topics = pgTable('topics', {
  id: uuid('id').primaryKey().defaultRandom(),
  topicKey: text('topic_key').notNull().unique(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Who is subscribed to a topic; the primary key orders a topic's subscribers by user id (cursor pages). */
export const topicSubscribers = pgTable(
  'topic_subscribers',
  {
    topicId: uuid('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.topicId, t.userId] }), index('topic_subscribers_user_idx').on(t.userId)],
);
