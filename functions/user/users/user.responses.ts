import { z } from 'zod';
import { SCOPES } from '../../../shared/auth/principal.js';
import { quietHoursSchema } from '../../../shared/schedule/quiet-hours.js';
import { PUSH_PLATFORMS } from '../devices/push-endpoint.js';

/**
 * The user function's response shapes, declared once: `user-wire.ts` builds
 * each answer as the `z.output` of one of these, and the OpenAPI document
 * (`../openapi.ts`) documents the same schemas, so the two cannot differ.
 */
export const timestamp = z.iso.datetime({ offset: true });

export const preferencesResponse = z.object({
  email: z.boolean(),
  push: z.boolean(),
  in_app: z.boolean(),
  language: z.string(),
  timezone: z.string(),
  opt_out_categories: z.array(z.string()),
  quiet_hours: quietHoursSchema
    .nullable()
    .describe('No notification below the bypass priority is sent in this window of `timezone`: it is held until the window ends'),
  updated_at: timestamp,
});

export const userResponse = z.object({
  id: z.uuid(),
  external_id: z.string().nullable().describe("The customer's own id for this recipient (set with an API key)"),
  name: z.string(),
  email: z.email(),
  can_log_in: z.boolean().describe('False for a recipient imported by a key until a password is set'),
  preferences: preferencesResponse,
  created_at: timestamp,
  updated_at: timestamp,
});

export const deviceResponse = z.union([
  z.object({ id: z.uuid(), type: z.literal('web_push'), endpoint: z.url(), created_at: timestamp }),
  z.object({
    id: z.uuid(),
    type: z.literal('fcm'),
    push_token: z.string(),
    platform: z.enum(PUSH_PLATFORMS).nullable(),
    created_at: timestamp,
  }),
]);

export const apiKeyResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  created_at: timestamp,
  revoked_at: timestamp.nullable(),
});

export const deletedResponse = z.object({ id: z.uuid(), deleted: z.literal(true) });
