import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/openapi/build-document.js';
import { defineOperations, type OperationSpec } from '../../shared/openapi/operation.js';
import { CHANNELS } from '../../shared/schemas/channels.js';
import { EMAIL_OPERATIONS } from '../email/openapi.js';
import { PUSH_OPERATIONS } from '../push/openapi.js';
import { TEMPLATE_OPERATIONS, TEMPLATE_TAGS } from '../template/openapi.js';
import { USER_OPERATIONS, USER_TAGS } from '../user/openapi.js';
import { ADMIN_OPERATIONS } from './admin/admin.openapi.js';
import { fanoutResponse } from './fanout/fanout.responses.js';
import { fanoutIdParam } from './fanout/fanouts.routes.js';
import { FORWARDED_PREFIXES } from './forwarding/forwarded-routes.js';
import { INBOX_OPERATIONS } from './inbox/inbox.openapi.js';
import { API_VERSION, indexAnswer } from './index.routes.js';
import {
  acceptedNotification,
  batchAnswer,
  cancelledNotification,
  notificationResponse,
  notificationStatusResponse,
  notificationWithTimeline,
  statusRecorded,
} from './intake/notification.responses.js';
import {
  batchBody,
  externalStatusBody,
  listNotificationsQuery,
  notificationBody,
  notificationIdParam,
} from './intake/notification.schemas.js';
import { SUPPRESSION_OPERATIONS } from './suppressions/suppressions.openapi.js';
import { WEBHOOK_OPERATIONS } from './webhooks/webhooks.openapi.js';
import { WORKFLOW_OPERATIONS } from './workflows/workflows.openapi.js';

export { FORWARDED_PREFIXES } from './forwarding/forwarded-routes.js';

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
    method: 'get',
    path: '/',
    operationId: 'getIndex',
    summary: 'Index: the API version and where the docs, the OpenAPI document, health and the dashboard are',
    tags: ['platform'],
    auth: 'none',
    responses: { 200: { description: 'The index', data: indexAnswer } },
  },
  {
    method: 'post',
    path: '/api/v1/notifications',
    operationId: 'sendNotification',
    summary: 'Send a notification',
    description:
      'Deduplicated on `request_id` (or the `Idempotency-Key` header) per API key: a replay answers the original with `Idempotent-Replayed: true`; the same id with another body is 409. 202 when queued; 200 when recorded as `skipped` (channel off, category opted out) or `suppressed`. Name the recipient by exactly one of `user_id`, `external_id`, or `topic_key` (every subscriber of the topic: 202 with a fan-out, written in pages, one notification per subscriber; each subscriber\'s preferences, suppression and rate limit apply). `notification_type` is one channel or an ordered list of 1-3 distinct channels (`["push", "email"]`, not with `topic_key`): the first channel that can deliver is used. A channel the user opted out of, an email address on the suppression list, or push without a device (before a later channel) is passed over at once; a permanent failure at send (a push token the service says is gone, a permanent SMTP refusal) moves the notification on to the next channel, exactly once; transient failures retry on the same channel. `notification_type` of the notification is the channel in use, `fallback` lists the channels and which were tried, and the timeline shows each move (`fell back from push to email: no push device`).',
    tags: ['notifications'],
    auth: 'send',
    request: { body: notificationBody },
    responses: {
      202: {
        description: 'Accepted and queued; with `topic_key`, the fan-out accepted (follow it at `GET /api/v1/fanouts/:id`)',
        data: z.union([acceptedNotification, fanoutResponse]),
      },
      200: { description: 'Recorded without delivery (`skipped` or `suppressed`)', data: acceptedNotification },
    },
    errors: [409, 422, 429],
    examples: { body: EXAMPLE_NOTIFICATION },
  },
  {
    method: 'get',
    path: '/api/v1/fanouts/:fanout_id',
    operationId: 'getFanout',
    summary: "A fan-out's progress: subscribers at acceptance, notifications created, subscribers skipped",
    tags: ['notifications'],
    auth: 'send',
    request: { params: fanoutIdParam },
    responses: { 200: { description: 'The fan-out', data: fanoutResponse } },
    errors: [404],
    examples: { params: { fanout_id: NOTIFICATION_ID } },
  },
  {
    method: 'post',
    path: '/api/v1/notifications/batch',
    operationId: 'sendNotificationBatch',
    summary: 'Send up to 1000 notifications in one request',
    description:
      'Each item is checked and answered like a single intake; the answer is 207 with one result per item, in order. Body limit 4 MiB.',
    tags: ['notifications'],
    auth: 'send',
    request: { body: batchBody },
    responses: { 207: { description: 'One result per item', body: batchAnswer } },
    errors: [429],
    examples: {
      body: {
        notifications: [
          EXAMPLE_NOTIFICATION,
          { ...EXAMPLE_NOTIFICATION, notification_type: 'push', request_id: 'req-2' },
          { ...EXAMPLE_NOTIFICATION, notification_type: ['push', 'email'], request_id: 'req-3' },
        ],
      },
    },
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
    responses: { 200: { description: 'A page of notifications', data: z.array(notificationResponse), list: true } },
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
    responses: { 200: { description: 'The notification', data: notificationWithTimeline } },
    examples: { params: { notification_id: NOTIFICATION_ID } },
  },
  {
    method: 'get',
    path: '/api/v1/notifications/:notification_id/status',
    operationId: 'getNotificationStatus',
    summary: 'Where a notification stands: status, channel, updated time and the last error reported',
    tags: ['notifications'],
    auth: 'any',
    request: { params: notificationIdParam },
    responses: { 200: { description: 'The status of the notification', data: notificationStatusResponse } },
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
    responses: {
      200: { description: 'Notification cancelled', data: cancelledNotification },
    },
    errors: [409],
    examples: { params: { notification_id: NOTIFICATION_ID } },
  },
  ...CHANNELS.map(
    (ch): OperationSpec => ({
      method: 'post',
      path: `/api/v1/${ch}/status`,
      operationId: `report${ch.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Status`,
      summary: `Report the delivery status of a ${ch} notification`,
      description: "Recorded like the workers' reports: appended to the timeline; the status only moves forward.",
      tags: ['status'],
      auth: 'send',
      request: { body: externalStatusBody },
      responses: { 200: { description: 'Status recorded', data: statusRecorded } },
      errors: [404],
      examples: { body: { notification_id: NOTIFICATION_ID, status: 'delivered', timestamp: '2025-01-01T12:00:00Z' } },
    }),
  ),
  ...ADMIN_OPERATIONS,
  ...INBOX_OPERATIONS,
  ...SUPPRESSION_OPERATIONS,
  ...WEBHOOK_OPERATIONS,
  ...WORKFLOW_OPERATIONS,
]);

/** The operations of the other functions that the gateway forwards (their `/api/v1/...` routes under a forwarded prefix). */
export function forwardedOperations(): OperationSpec[] {
  const forwarded = (op: OperationSpec) =>
    FORWARDED_PREFIXES.some((prefix) => op.path === prefix || op.path.startsWith(`${prefix}/`));
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
    version: API_VERSION,
    description:
      'One public entry point (the gateway, port 8000): notifications, plus the user, template, email and push routes it forwards. Every answer is the envelope `{ success, data?, error?, message, meta? }`; every path works with and without a trailing slash.',
    tags: {
      platform: 'The entry point itself',
      notifications: 'Send and track notifications',
      status: 'Delivery reports from outside',
      admin: 'Operator views behind the dashboard (`GET /dashboard`): queues, dead letters, throughput, search',
      inbox: "In-app notifications: a user's inbox and its live stream",
      webhooks: 'Signed outbound webhooks (Standard Webhooks): endpoints, secrets, the delivery log',
      workflows: 'Workflows: sends, delays, digests, throttles and conditions, run durably per recipient',
      ...USER_TAGS,
      ...TEMPLATE_TAGS,
      'email events': 'SES feedback over SNS (email function)',
      push: 'Web Push identity (push function)',
    },
    operations: [...GATEWAY_OPERATIONS, ...forwardedOperations()],
  });
}
