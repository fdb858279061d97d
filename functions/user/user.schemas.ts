import { z } from 'zod';
import { SCOPES } from '../../shared/auth/principal.js';

/** Request shapes of the user function (snake_case, as on the wire). */

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const CATEGORY = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const userIdParam = z.object({ user_id: z.uuid('must be a uuid') });
export const deviceParams = userIdParam.extend({ device_id: z.uuid('must be a uuid') });
export const apiKeyIdParam = z.object({ key_id: z.uuid('must be a uuid') });

const email = z.email('must be an email address').max(320);
const password = z.string().min(8, 'must be at least 8 characters').max(256);
const name = z.string().trim().min(1, 'must not be empty').max(200);

export const preferencesBody = z
  .object({
    email: z.boolean(),
    push: z.boolean(),
    language: z.string().regex(LANGUAGE_TAG, 'must be a language tag such as en or fr-CA'),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris'),
    opt_out_categories: z.array(z.string().regex(CATEGORY, 'must be a category name')).max(100),
  })
  .partial();

export const createUserBody = z.object({
  name,
  email,
  password,
  push_token: z.string().min(1).max(4096).optional(),
  preferences: preferencesBody.optional(),
});

export const updateUserBody = z
  .object({ name, email, password })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one of name, email, password');

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
