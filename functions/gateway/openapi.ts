import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/openapi/build-document.js';
import { defineOperations, type OperationSpec } from '../../shared/openapi/operation.js';
import { EMAIL_OPERATIONS } from '../email/openapi.js';
import { PUSH_OPERATIONS } from '../push/openapi.js';
import { TEMPLATE_OPERATIONS, TEMPLATE_TAGS } from '../template/openapi.js';
import { USER_OPERATIONS, USER_TAGS } from '../user/openapi.js';
import { ADMIN_OPERATIONS } from './admin.openapi.js';
import { FORWARDED_PREFIXES } from './forwarded-routes.js';
import { NOTIFICATION_STATUSES } from './notification-status.js';
import { batchBody, externalStatusBody, listNotificationsQuery, notificationBody, notificationIdParam } from './notification.schemas.js';

export { FORWARDED_PREFIXES } from './forwarded-routes.js';

// ---- responses ---------------------------------------------------------------

const timestamp = z.iso.datetime({ offset: true });
const channel = z.enum(['email', 'push']);
const status = z.enum(NOTIFICATION_STATUSES);

const accepted = z.object({
  notification_id: z.uuid(),
  status: z.enum(['pending', 'skipped', 'suppressed']),
  reason: z.string().optional().describe('Why it was skipped or suppressed (e.g. `channel_disabled`, `address_suppressed`)'),
  request_id: z.string(),
  notification_type: channel,
  user_id: z.uuid(),
  template_code: z.string(),
  template_version: z.int(),
  language: z.string(),
  priority: z.int(),
  send_at: timestamp.nullable(),
  created_at: timestamp,
});

const notification = z.object({
  id: z.uuid(),
  request_id: z.string(),
  notification_type: channel,
  user_id: z.uuid(),
  template_code: z.string(),
  template_version: z.int(),
  language: z.string(),
  category: z.string().nullable(),
  priority: z.int(),
  status,
  status_reason: z.string().nullable(),
  variables: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  send_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

const event = z.object({
  status,
  attempt: z.int().nullable(),
  provider: z.string().nullable(),
  provider_message_id: z.string().nullable(),
  response: z.string().nullable(),
  error: z.string().nullable(),
  device_id: z.string().nullable(),
  occurred_at: timestamp,
  recorded_at: timestamp,
});

const batchAnswer = z.object({
  success: z.literal(true),
  data: z.object({
    accepted: z.int(),
    rejected: z.int(),
    items: z.array(
      z.object({ index: z.int(), status_code: z.int(), replayed: z.boolean() }).catchall(z.unknown()).describe(
        'Per item: its status code and the body a single intake would answer (success envelope or error envelope)',
      ),
    ),
  }),
  message: z.string(),
});

const NOTIFICATION_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
const USER_ID = '3f0b1c9e-8a4d-4e2b-9c1a-2b7d6e5f4a30';
const EXAMPLE_NOTIFICATION = {
  notification_type: 'email',
  user_id: USER_ID,
  template_code: 'welcome_email',
  variables: { name: 'Ada', link: 'https://example.com/start' },
  request_id: 'req-1',
  priority: 5,
};

/** The gateway's own operations: intake, tracking, external status reports. */
export const GATEWAY_OPERATIONS = defineOperations([
  {
    method: 'post',
    path: '/api/v1/notifications',
    operationId: 'sendNotification',
    summary: 'Send a notification',
    description:
      'Deduplicated on `request_id` (or the `Idempotency-Key` header) per API key: a replay answers the original with `Idempotent-Replayed: true`; the same id with another body is 409. 202 when queued; 200 when recorded as `skipped` (channel off, category opted out) or `suppressed`.',
    tags: ['notifications'],
    auth: 'send',
    request: { body: notificationBody },
    responses: {
      202: { description: 'Accepted and queued', data: accepted },
      200: { description: 'Recorded without delivery (`skipped` or `suppressed`)', data: accepted },
    },
    errors: [409, 422, 429],
    examples: { body: EXAMPLE_NOTIFICATION },
  },
  {
    method: 'post',
    path: '/api/v1/notifications/batch',
    operationId: 'sendNotificationBatch',
    summary: 'Send up to 1000 notifications in one request',
    description: 'Each item is checked and answered like a single intake; the answer is 207 with one result per item, in order. Body limit 4 MiB.',
    tags: ['notifications'],
    auth: 'send',
    request: { body: batchBody },
    responses: { 207: { description: 'One result per item', body: batchAnswer } },
    errors: [429],
    examples: { body: { notifications: [EXAMPLE_NOTIFICATION, { ...EXAMPLE_NOTIFICATION, notification_type: 'push', request_id: 'req-2' }] } },
  },
  {
    method: 'get',
    path: '/api/v1/notifications',
    operationId: 'listNotifications',
    summary: 'List notifications',
    description: 'An admin key sees all, a `send` key those it sent, a user token its own.',
    tags: ['notifications'],
    auth: 'any',
    request: { query: listNotificationsQuery },
    responses: { 200: { description: 'A page of notifications', data: z.array(notification), list: true } },
    examples: { query: { status: 'delivered', notification_type: 'email', page: '1', limit: '20' } },
  },
  {
    method: 'get',
    path: '/api/v1/notifications/:notification_id',
    operationId: 'getNotification',
    summary: 'A notification with its status timeline',
    tags: ['notifications'],
    auth: 'any',
    request: { params: notificationIdParam },
    responses: { 200: { description: 'The notification', data: notification.extend({ timeline: z.array(event) }) } },
    examples: { params: { notification_id: NOTIFICATION_ID } },
  },
  {
    method: 'delete',
    path: '/api/v1/notifications/:notification_id',
    operationId: 'cancelNotification',
    summary: 'Cancel a notification not yet queued',
    tags: ['notifications'],
    auth: 'send',
    request: { params: notificationIdParam },
    responses: { 200: { description: 'Notification cancelled', data: z.object({ id: z.uuid(), status: z.literal('cancelled') }) } },
    errors: [409],
    examples: { params: { notification_id: NOTIFICATION_ID } },
  },
  ...(['email', 'push'] as const).map(
    (ch): OperationSpec => ({
      method: 'post',
      path: `/api/v1/${ch}/status`,
      operationId: `report${ch === 'email' ? 'Email' : 'Push'}Status`,
      summary: `Report the delivery status of a ${ch} notification`,
      description: 'Recorded like the workers\' reports: appended to the timeline; the status only moves forward.',
      tags: ['status'],
      auth: 'send',
      request: { body: externalStatusBody },
      responses: { 200: { description: 'Status recorded', data: z.object({ notification_id: z.uuid(), status }) } },
      errors: [404],
      examples: { body: { notification_id: NOTIFICATION_ID, status: 'delivered', timestamp: '2025-01-01T12:00:00Z' } },
    }),
  ),
  ...ADMIN_OPERATIONS,
]);

/** The operations of the other functions that the gateway forwards (their `/api/v1/...` routes under a forwarded prefix). */
export function forwardedOperations(): OperationSpec[] {
  const forwarded = (op: OperationSpec) => FORWARDED_PREFIXES.some((prefix) => op.path === prefix || op.path.startsWith(`${prefix}/`));
  return [...USER_OPERATIONS, ...TEMPLATE_OPERATIONS, ...EMAIL_OPERATIONS, ...PUSH_OPERATIONS].filter(forwarded);
}

/**
 * The gateway's OpenAPI document: its own operations and every operation it
 * forwards, built from the other functions' `openapi.ts` (no HTTP), so one
 * base URL (port 8000) documents the whole public API.
 */
export function buildGatewayOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Notification platform API',
    version: '1.0.0',
    description:
      'One public entry point (the gateway, port 8000): notifications, plus the user, template, email and push routes it forwards. Every answer is the envelope `{ success, data?, error?, message, meta? }`; every path works with and without a trailing slash.',
    tags: {
      notifications: 'Send and track notifications',
      status: 'Delivery reports from outside',
      admin: 'Operator views behind the dashboard (`GET /dashboard`): queues, dead letters, throughput, search',
      ...USER_TAGS,
      ...TEMPLATE_TAGS,
      'email events': 'SES feedback over SNS (email function)',
      push: 'Web Push identity (push function)',
    },
    operations: [...GATEWAY_OPERATIONS, ...forwardedOperations()],
  });
}
