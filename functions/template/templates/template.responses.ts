import { z } from 'zod';
import { channelSchema } from '../../../shared/schemas/channels.js';
import { emailContentSchema, inAppContentSchema, pushContentSchema } from '../engine/content.js';

/**
 * The template function's response shapes, declared once: `wire.ts` builds
 * each answer as the `z.output` of one of these, and the OpenAPI document
 * (`../openapi.ts`) documents the same schemas.
 */

/** A version's content: the shape of its template's channel. */
export const contentResponse = z.union([emailContentSchema, pushContentSchema, inAppContentSchema]);

export const timestamp = z.iso.datetime({ offset: true });
export const activeVersions = z
  .record(z.string(), z.int())
  .describe('Active version number per language, e.g. `{ "en": 3, "fr": 1 }`');

export const templateResponse = z.object({
  id: z.uuid(),
  template_code: z.string(),
  channel: channelSchema,
  category: z.string(),
  default_language: z.string(),
  description: z.string().nullable(),
  active_versions: activeVersions,
  created_at: timestamp,
  updated_at: timestamp,
});

export const versionResponse = z.object({
  id: z.uuid(),
  version: z.int(),
  language: z.string(),
  is_active: z.boolean(),
  content: contentResponse,
  variables: z.array(z.object({ name: z.string(), required: z.boolean() })),
  created_at: timestamp,
});

export const resolvedResponse = templateResponse.extend({ requested_language: z.string().nullable(), version: versionResponse });

export const renderedResponse = z.object({
  template_code: z.string(),
  channel: channelSchema,
  category: z.string(),
  requested_language: z.string().nullable(),
  language: z.string(),
  version: z.int(),
  content: z.record(z.string(), z.unknown()).describe('The rendered fields of the channel (email: subject, html, text)'),
});
