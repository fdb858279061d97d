import { z } from 'zod';
import { DEFAULT_PUSH_HOSTS } from '../../shared/config-push.js';
import { paginationQuery } from '../../shared/http/pagination.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/openapi/build-document.js';
import { defineOperations } from '../../shared/openapi/operation.js';
import { PUSH_PLATFORMS, pushDeviceBody } from './devices/push-endpoint.js';
import { TOPIC_OPERATIONS } from './topics/topics.openapi.js';
import { bulkImportAnswer } from './users/bulk-import-response.js';
import {
  apiKeyResponse as apiKey,
  deletedResponse as deleted,
  deviceResponse as device,
  preferencesResponse as preferences,
  timestamp,
  userResponse as user,
} from './users/user.responses.js';
import {
  apiKeyIdParam,
  bulkUsersBody,
  createApiKeyBody,
  createUserBody,
  deviceParams,
  listUsersQuery,
  loginBody,
  recipientInput,
  replaceUserBody,
  updatePreferencesBody,
  updateUserBody,
  userIdParam,
} from './users/user.schemas.js';

// ---- responses: declared once in users/user.responses.ts, which user-wire.ts returns ----

// ---- request shapes the routes check in code --------------------------------

/**
 * `pushDeviceBody` picks its shape in a transform, which JSON Schema cannot
 * show; this is the documented union of the two shapes. Documented examples
 * still go through the route's own parser (`request.parse`).
 */
const pushDeviceDoc = z.union([
  z.object({
    endpoint: z
      .url()
      .max(2048)
      .describe('https, on a push service host (PUSH_HOST_ALLOWLIST: FCM, Mozilla, Apple, Windows by default), public address'),
    keys: z.object({
      p256dh: z.string().describe('base64url uncompressed P-256 public key (65 bytes)'),
      auth: z.string().describe('base64url 16-byte auth secret'),
    }),
    expiration_time: z.number().nullable().optional(),
  }),
  z.object({ push_token: z.string().min(1).max(4096), platform: z.enum(PUSH_PLATFORMS).optional() }),
]);

/**
 * The unsubscribe link's parameters. Mirror of `linkParams` / `linkQuery` in
 * `unsubscribe.routes.ts` until they are exported.
 */
const unsubscribeQuery = z.object({
  category: z.string().min(1).max(100),
  expires: z.coerce.number().int().positive(),
  sig: z.string().min(1).max(200),
});

const USER_ID = '3f0b1c9e-8a4d-4e2b-9c1a-2b7d6e5f4a30';
const DEVICE_ID = '7c2e4a10-5b3d-4f6e-8a9b-0c1d2e3f4a5b';
const KEY_ID = '0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a';

/** Every public operation of the user function (`/internal/*` is not documented). */
export const USER_OPERATIONS = defineOperations([
  {
    method: 'post',
    path: '/api/v1/users',
    operationId: 'createUser',
    summary: 'Sign up a user',
    tags: ['users'],
    auth: 'none',
    request: { body: createUserBody },
    responses: { 201: { description: 'User created', data: user } },
    errors: [409],
    examples: {
      body: {
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        password: 'correct horse battery',
        preferences: { email: true, push: true },
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/users',
    operationId: 'listUsers',
    summary: 'List users',
    tags: ['users'],
    auth: 'admin',
    request: { query: paginationQuery.extend(listUsersQuery.shape) },
    responses: { 200: { description: 'A page of users', data: z.array(user), list: true } },
    examples: { query: { page: '1', limit: '20' } },
  },
  {
    method: 'post',
    path: '/api/v1/users/bulk',
    operationId: 'importUsers',
    summary: 'Create or update up to 1000 recipients in one request',
    description:
      'Each recipient is matched by `external_id`, else by email (case-insensitively), and updated; otherwise created, without a password (it cannot log in until one is set). Given fields change, others stay. Each item is answered on its own: 201 created, 200 updated, 400/409 refused, in order. Body limit 4 MiB.',
    tags: ['users'],
    auth: 'send',
    request: {
      body: bulkUsersBody.extend({ users: z.array(recipientInput).min(1).max(1000) }),
      parse: (raw) => bulkUsersBody.parse(raw).users.map((item) => recipientInput.parse(item)),
    },
    responses: { 207: { description: 'One result per recipient', body: bulkImportAnswer } },
    examples: {
      body: {
        users: [
          {
            external_id: 'crm-1042',
            email: 'ada@example.com',
            name: 'Ada Lovelace',
            preferences: { push: false, language: 'en-GB', timezone: 'Europe/London' },
            push_tokens: [{ push_token: 'fcm-registration-token', platform: 'android' }],
          },
          { external_id: 'crm-1043', email: 'grace@example.com' },
        ],
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/users/:user_id',
    operationId: 'getUser',
    summary: 'Read a user',
    tags: ['users'],
    auth: 'user',
    request: { params: userIdParam },
    responses: { 200: { description: 'The user', data: user } },
    examples: { params: { user_id: USER_ID } },
  },
  {
    method: 'put',
    path: '/api/v1/users/:user_id',
    operationId: 'replaceUser',
    summary: 'Update a user in full: name, email, push token and preferences',
    description:
      "Name and email are required. Preferences given are written as on `PUT /preferences`; a `push_token` becomes the user's FCM device, as at sign-up.",
    tags: ['users'],
    auth: 'user',
    request: { params: userIdParam, body: replaceUserBody },
    responses: { 200: { description: 'User updated', data: user } },
    errors: [409],
    examples: {
      params: { user_id: USER_ID },
      body: {
        name: 'Ada King',
        email: 'ada@example.com',
        push_token: 'fcm-registration-token',
        preferences: { email: true, push: false },
      },
    },
  },
  {
    method: 'patch',
    path: '/api/v1/users/:user_id',
    operationId: 'updateUser',
    summary: 'Change any of name, email, password, push token, preferences or (admin) external id',
    tags: ['users'],
    auth: 'user',
    request: { params: userIdParam, body: updateUserBody },
    responses: { 200: { description: 'User updated', data: user } },
    errors: [409],
    examples: { params: { user_id: USER_ID }, body: { name: 'Ada King', preferences: { push: false } } },
  },
  {
    method: 'delete',
    path: '/api/v1/users/:user_id',
    operationId: 'deleteUser',
    summary: 'Delete a user',
    tags: ['users'],
    auth: 'user',
    request: { params: userIdParam },
    responses: { 200: { description: 'User deleted', data: deleted } },
    examples: { params: { user_id: USER_ID } },
  },
  {
    method: 'get',
    path: '/api/v1/users/:user_id/preferences',
    operationId: 'getPreferences',
    summary: "Read a user's preferences",
    tags: ['preferences'],
    auth: 'user',
    request: { params: userIdParam },
    responses: { 200: { description: 'The preferences', data: preferences } },
    examples: { params: { user_id: USER_ID } },
  },
  {
    method: 'put',
    path: '/api/v1/users/:user_id/preferences',
    operationId: 'updatePreferences',
    summary: "Change a user's preferences (channels, language, time zone, opted-out categories)",
    tags: ['preferences'],
    auth: 'user',
    request: { params: userIdParam, body: updatePreferencesBody },
    responses: { 200: { description: 'Preferences updated', data: preferences } },
    examples: {
      params: { user_id: USER_ID },
      body: { language: 'fr-CA', timezone: 'America/Toronto', opt_out_categories: ['marketing'] },
    },
  },
  {
    method: 'post',
    path: '/api/v1/users/:user_id/push-subscriptions',
    operationId: 'addPushSubscription',
    summary: 'Register a push device (Web Push subscription or mobile token)',
    description:
      'Registering the same device again refreshes its keys and answers 200 instead of 201. A user has at most PUSH_MAX_DEVICES_PER_USER devices (20 by default): one more is a 409 `device_limit_reached`.',
    tags: ['push subscriptions'],
    auth: 'user',
    errors: [409],
    request: {
      params: userIdParam,
      body: pushDeviceDoc,
      parse: (raw) => pushDeviceBody({ allowedHosts: DEFAULT_PUSH_HOSTS }).parse(raw),
    },
    responses: {
      201: { description: 'Push subscription added', data: device },
      200: { description: 'Already registered; keys refreshed', data: device },
    },
    examples: {
      params: { user_id: USER_ID },
      body: {
        endpoint: 'https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b',
        keys: {
          p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
          auth: 'tBHItJI5svbpez7KI4CCXg',
        },
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/users/:user_id/push-subscriptions',
    operationId: 'listPushSubscriptions',
    summary: "List a user's push devices",
    tags: ['push subscriptions'],
    auth: 'user',
    request: { params: userIdParam },
    responses: { 200: { description: 'The devices', data: z.array(device) } },
    examples: { params: { user_id: USER_ID } },
  },
  {
    method: 'delete',
    path: '/api/v1/users/:user_id/push-subscriptions/:device_id',
    operationId: 'deletePushSubscription',
    summary: 'Remove a push device',
    tags: ['push subscriptions'],
    auth: 'user',
    request: { params: deviceParams },
    responses: { 200: { description: 'Push subscription removed', data: deleted } },
    examples: { params: { user_id: USER_ID, device_id: DEVICE_ID } },
  },
  {
    method: 'get',
    path: '/api/v1/users/:user_id/unsubscribe',
    operationId: 'describeUnsubscribeLink',
    summary: 'Describe a one-click unsubscribe link (changes nothing)',
    tags: ['unsubscribe'],
    auth: 'signed-link',
    request: { params: userIdParam, query: unsubscribeQuery },
    responses: {
      200: {
        description: 'What a POST to this URL would do',
        data: z.object({ user_id: z.uuid(), category: z.string(), expires_at: timestamp, method: z.literal('POST') }),
      },
    },
    examples: { params: { user_id: USER_ID }, query: { category: 'marketing', expires: '1893456000', sig: 'c2lnbmF0dXJl' } },
  },
  {
    method: 'post',
    path: '/api/v1/users/:user_id/unsubscribe',
    operationId: 'unsubscribe',
    summary: 'One-click unsubscribe (RFC 8058)',
    description: 'What a mail client sends for `List-Unsubscribe-Post`; any body (a form is usual) is accepted and ignored.',
    tags: ['unsubscribe'],
    auth: 'signed-link',
    request: { params: userIdParam, query: unsubscribeQuery },
    responses: {
      200: {
        description: 'Unsubscribed (also when already unsubscribed)',
        data: z.object({
          user_id: z.uuid(),
          category: z.string(),
          unsubscribed: z.literal(true),
          opt_out_categories: z.array(z.string()),
        }),
      },
    },
    examples: { params: { user_id: USER_ID }, query: { category: 'marketing', expires: '1893456000', sig: 'c2lnbmF0dXJl' } },
  },
  {
    method: 'post',
    path: '/api/v1/auth/login',
    operationId: 'login',
    summary: 'Log in: email and password for a user token',
    tags: ['auth'],
    auth: 'none',
    request: { body: loginBody },
    responses: {
      200: {
        description: 'Logged in',
        data: z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.int(), user_id: z.uuid() }),
      },
    },
    errors: [429],
    examples: { body: { email: 'ada@example.com', password: 'correct horse battery' } },
  },
  {
    method: 'post',
    path: '/api/v1/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key (the key is shown once)',
    tags: ['api keys'],
    auth: 'admin',
    request: { body: createApiKeyBody },
    responses: { 201: { description: 'API key created', data: apiKey.extend({ key: z.string() }) } },
    examples: { body: { name: 'shop backend', scopes: ['send'] } },
  },
  {
    method: 'get',
    path: '/api/v1/api-keys',
    operationId: 'listApiKeys',
    summary: 'List API keys',
    tags: ['api keys'],
    auth: 'admin',
    request: { query: paginationQuery },
    responses: { 200: { description: 'A page of API keys', data: z.array(apiKey), list: true } },
    examples: { query: { page: '1' } },
  },
  {
    method: 'delete',
    path: '/api/v1/api-keys/:key_id',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    tags: ['api keys'],
    auth: 'admin',
    request: { params: apiKeyIdParam },
    responses: { 200: { description: 'API key revoked', data: apiKey } },
    examples: { params: { key_id: KEY_ID } },
  },
  ...TOPIC_OPERATIONS,
]);

export const USER_TAGS: Record<string, string> = {
  users: 'Sign-up, user accounts and bulk import of recipients',
  topics: 'Named groups of recipients to send to in one call',
  preferences: 'Channels, language, time zone and opted-out categories',
  'push subscriptions': "A user's push devices",
  unsubscribe: 'One-click unsubscribe links from emails',
  auth: 'User tokens',
  'api keys': 'API keys for backends (scopes `send`, `admin`)',
};

/** The user function's OpenAPI document (`GET /openapi.json` on port 8001). */
export function buildUserOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Notification platform: user function',
    version: '1.0.0',
    description: 'Users and recipients, preferences, push devices, topics, login and API keys.',
    tags: USER_TAGS,
    operations: USER_OPERATIONS,
  });
}
