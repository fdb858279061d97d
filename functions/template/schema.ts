import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { CHANNELS, type Channel } from '../../shared/schemas/channels.js';
import type { TemplateContent, VariableDeclaration } from './engine/content.js';

/** Tables owned by the template function. No other function reads them. */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A template: one per (code, channel), so `password_reset` can have an email and a push variant. */
export const templates = pgTable(
  'templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    templateCode: text('template_code').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    category: text('category').notNull(),
    defaultLanguage: text('default_language').notNull(),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('templates_code_channel_key').on(t.templateCode, t.channel),
    index('templates_channel_category_idx').on(t.channel, t.category),
    check('templates_channel_check', sql`${t.channel} in ${sql.raw(`(${CHANNELS.map((c) => `'${c}'`).join(', ')})`)}`),
  ],
);

/**
 * Immutable content snapshots. `version` counts per template across all
 * languages, so a (code, channel, version) triple pins exactly one content
 * that a queued notification can be rendered from later.
 */
export const templateVersions = pgTable(
  'template_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    templateId: uuid('template_id')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    language: text('language').notNull(),
    content: jsonb('content').$type<TemplateContent>().notNull(),
    variables: jsonb('variables').$type<VariableDeclaration[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('template_versions_template_version_key').on(t.templateId, t.version),
    index('template_versions_template_language_idx').on(t.templateId, t.language, t.version),
    check('template_versions_version_check', sql`${t.version} > 0`),
  ],
);

/** Which version is live for each language of a template; moving the pointer back is a rollback. */
export const templateActiveVersions = pgTable(
  'template_active_versions',
  {
    templateId: uuid('template_id')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade' }),
    language: text('language').notNull(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => templateVersions.id, { onDelete: 'cascade' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.templateId, t.language] })],
);
