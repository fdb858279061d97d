import { z } from 'zod';
import { SCOPES } from '../../../shared/auth/principal.js';
import { quietHoursSchema } from '../../../shared/schedule/quiet-hours.js';
import { externalId } from '../../../shared/schemas/external-id.js';
import { PUSH_PLATFORMS } from '../devices/push-endpoint.js';

/** Request shapes of the user function (snake_case, as on the wire). */

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const CATEGORY = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Zones already checked: building a formatter per check costs more than the rest of a recipient's validation. */
const knownTimeZones = new Map<string, boolean>();
const MAX_KNOWN_TIME_ZONES = 1000;

function isTimeZone(value: string): boolean {
  const known = knownTimeZones.get(value);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    valid = true;
  } catch {
    valid = false;
  }
  if (knownTimeZones.size < MAX_KNOWN_TIME_ZONES) knownTimeZones.set(value, valid);
  return valid;
}

export const userIdParam = z.object({ user_id: z.uuid('must be a uuid') });
export const deviceParams = userIdParam.extend({ device_id: z.uuid('must be a uuid') });
export const apiKeyIdParam = z.object({ key_id: z.uuid('must be a uuid') });

const email = z.email('must be an email address').max(320);

export { externalId };

const password = z.string().min(8, 'must be at least 8 characters').max(256);
const name = z.string().trim().min(1, 'must not be empty').max(200);
const pushToken = z.string().min(1).max(4096);

export const preferencesBody = z
  .object({
    email: z.boolean(),
    push: z.boolean(),
    in_app: z.boolean(),
    language: z.string().regex(LANGUAGE_TAG, 'must be a language tag such as en or fr-CA'),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris'),
    opt_out_categories: z.array(z.string().regex(CATEGORY, 'must be a category name')).max(100),
    /** null clears them. */
    quiet_hours: quietHoursSchema.nullable(),
  })
  .partial();

export const createUserBody = z.object({
  name,
  email,
  password,
  push_token: pushToken.optional(),
  preferences: preferencesBody.optional(),
});

/** `PATCH /api/v1/users/:id`: any subset; `push_token` becomes the user's FCM device, as at sign-up. */
export const updateUserBody = z
  .object({ name, email, password, external_id: externalId.nullable(), push_token: pushToken, preferences: preferencesBody })
  .partial()
  .refine(
    (body) => Object.keys(body).length > 0,
    'give at least one of name, email, password, external_id, push_token, preferences',
  );

/**
 * `PUT /api/v1/users/:id`: the full user as the original API sends it (name
 * and email required); preferences given are written as on
 * `PUT /preferences`, a `push_token` becomes the user's FCM device.
 */
export const replaceUserBody = z.object({
  name,
  email,
  password: password.optional(),
  external_id: externalId.nullable().optional(),
  push_token: pushToken.optional(),
  preferences: preferencesBody.optional(),
});

/** What a PUT or a PATCH asks to change. */
export type UpdateUserBody = z.output<typeof updateUserBody>;

export const listUsersQuery = z.object({ external_id: externalId.optional() });

/** Most recipients one `POST /api/v1/users/bulk` call takes. */
export const MAX_BULK_USERS = 1000;

/** Body limit of the bulk route: 1,000 recipients with preferences and tokens fit. */
export const BULK_USERS_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Devices one recipient of a bulk call may bring (mobile push tokens). */
const MAX_PUSH_TOKENS = 10;

/** One recipient of a bulk import: matched by `external_id`, else by email; created when neither matches. */
export const recipientInput = z
  .object({
    external_id: externalId.optional(),
    email: email.optional(),
    name: name.optional(),
    preferences: preferencesBody.optional(),
    push_tokens: z
      .array(z.object({ push_token: pushToken, platform: z.enum(PUSH_PLATFORMS).optional() }))
      .max(MAX_PUSH_TOKENS)
      .optional(),
  })
  .refine((item) => item.external_id !== undefined || item.email !== undefined, {
    message: 'give external_id or email',
    path: ['external_id'],
  });
export type RecipientInput = z.output<typeof recipientInput>;

export const bulkUsersBody = z.object({
  users: z.array(z.unknown()).min(1).max(MAX_BULK_USERS, `at most ${MAX_BULK_USERS} recipients per call`),
});

export const updatePreferencesBody = preferencesBody.refine(
  (body) => Object.keys(body).length > 0,
  'give at least one preference',
);

export const loginBody = z.object({ email, password: z.string().min(1).max(256) });

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
});

export const introspectBody = z.object({ credential: z.string().min(1).max(4096) });

/** `POST /internal/v1/recipients/lookup`: recipients by user id and by external id, at most a batch's worth. */
export const recipientLookupBody = z.object({
  user_ids: z.array(z.uuid()).max(MAX_BULK_USERS).default([]),
  external_ids: z.array(externalId).max(MAX_BULK_USERS).default([]),
});
