import { z } from 'zod';
import { ROUTING_KEYS } from '../../../shared/messages.js';
import { defineOperations } from '../../../shared/openapi/operation.js';
import { channelSchema } from '../../../shared/schemas/channels.js';
import { NOTIFICATION_STATUSES } from '../../../shared/schemas/notification-statuses.js';
import { runResponse } from '../workflows/runs/run.responses.js';
import {
  deadLetterIdParam,
  deadLettersQuery,
  overviewQuery,
  searchNotificationsQuery,
  workflowRunsQuery,
} from './admin.schemas.js';

const timestamp = z.iso.datetime({ offset: true });
const routingKey = z.enum(ROUTING_KEYS);

const keyStats = z.object({
  depth: z.int().describe('Messages waiting to be consumed'),
  in_flight: z.int().describe('Taken by this process and not yet settled'),
  dead_lettered: z.int().describe('Sent to the dead-letter queue by this process since it started'),
});

const overview = z.object({
  generated_at: timestamp,
  window_minutes: z.int(),
  bucket_seconds: z.int(),
  queue: z
    .object({ keys: z.record(routingKey, keyStats), dead_letter_depth: z.int() })
    .nullable()
    .describe('Null when the broker did not answer (see `queue_error`)'),
  queue_error: z.string().nullable(),
  totals: z.object({ created: z.int(), delivered: z.int(), failed: z.int() }).describe('Over the whole window'),
  throughput: z
    .array(z.object({ at: timestamp, created: z.int(), delivered: z.int(), failed: z.int() }))
    .describe(
      'Per bucket, from the database (the same on every replica): notifications created, and those recorded delivered or failed',
    ),
  latency: z
    .array(
      z.object({
        at: timestamp,
        requests: z.int(),
        p50_ms: z.number().nullable(),
        p95_ms: z.number().nullable(),
        p99_ms: z.number().nullable(),
      }),
    )
    .describe("This gateway's answers to `/api/*` (admin routes left out), per 5 s interval, from its HTTP latency histogram"),
});

const deadLetter = z.object({
  id: z.string().describe('Pass to the redrive route'),
  key: routingKey.nullable(),
  reason: z.string(),
  attempts: z.int(),
  failed_at: timestamp.nullable(),
  notification_id: z.uuid().nullable(),
  headers: z.record(z.string(), z.string()),
  body: z.unknown().describe('The message as it was published'),
});

const notificationSummary = z
  .object({
    id: z.uuid(),
    request_id: z.string(),
    notification_type: channelSchema,
    user_id: z.uuid(),
    template_code: z.string(),
    status: z.enum(NOTIFICATION_STATUSES),
    created_at: timestamp,
  })
  .catchall(z.unknown())
  .describe('As `GET /api/v1/notifications` lists them');

/** The operator routes (`admin.routes.ts`): what the dashboard (`GET /dashboard`) reads and does. */
export const ADMIN_OPERATIONS = defineOperations([
  {
    method: 'get',
    path: '/api/v1/admin/overview',
    operationId: 'adminOverview',
    summary: 'Queue depths, throughput and latency',
    description:
      'What the dashboard polls every 2 s. A broker that does not answer leaves `queue` null and says why in `queue_error`; the rest still answers.',
    tags: ['admin'],
    auth: 'admin',
    request: { query: overviewQuery },
    responses: { 200: { description: 'The overview', data: overview } },
    examples: { query: { window_minutes: '15' } },
  },
  {
    method: 'get',
    path: '/api/v1/admin/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'Messages in the dead-letter queue',
    description: 'Oldest first where the broker keeps an order; listing does not remove them.',
    tags: ['admin'],
    auth: 'admin',
    request: { query: deadLettersQuery },
    responses: {
      200: { description: 'Dead letters', data: z.object({ dead_letter_depth: z.int(), items: z.array(deadLetter) }) },
    },
    errors: [503],
    examples: { query: { limit: '50' } },
  },
  {
    method: 'post',
    path: '/api/v1/admin/dead-letters/redrive',
    operationId: 'redriveAllDeadLetters',
    summary: 'Send every dead letter back to its queue',
    description: 'Each goes back to its routing key as a fresh first attempt. No body.',
    tags: ['admin'],
    auth: 'admin',
    responses: { 200: { description: 'How many were sent back', data: z.object({ redriven: z.int() }) } },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/admin/dead-letters/:message_id/redrive',
    operationId: 'redriveDeadLetter',
    summary: 'Send one dead letter back to its queue',
    description: 'As a fresh first attempt. No body. 404 when no dead letter has that id (already redriven, or purged).',
    tags: ['admin'],
    auth: 'admin',
    request: { params: deadLetterIdParam },
    responses: { 200: { description: 'Sent back', data: z.object({ redriven: z.literal(1) }) } },
    errors: [404, 503],
    examples: { params: { message_id: '0c6f7a2e-5f1d-4b8e-9a51-3d2f0e7b9c14' } },
  },
  {
    method: 'get',
    path: '/api/v1/admin/notifications',
    operationId: 'searchNotifications',
    summary: 'Search every notification',
    description:
      '`q` is a notification id or user id (exact), or part of a request id or template code (any case). Newest first. Open one with `GET /api/v1/notifications/{notification_id}` for its timeline.',
    tags: ['admin'],
    auth: 'admin',
    request: { query: searchNotificationsQuery },
    responses: { 200: { description: 'A page of notifications', data: z.array(notificationSummary), list: true } },
    examples: { query: { q: 'welcome', status: 'failed', page: '1', limit: '20' } },
  },
  {
    method: 'get',
    path: '/api/v1/admin/workflow-runs',
    operationId: 'listWorkflowRuns',
    summary: 'Workflow runs of every key, with their steps',
    description:
      'Newest first, filtered by `status` and `workflow_key`. Each run carries `steps` as `GET /api/v1/workflow-runs/{run_id}` shows them (state, `wait_until`, the notification a send created); `step_index` is the next step to take.',
    tags: ['admin'],
    auth: 'admin',
    request: { query: workflowRunsQuery },
    responses: { 200: { description: 'A page of runs', data: z.array(runResponse), list: true } },
    examples: { query: { status: 'running', workflow_key: 'comment-digest', page: '1', limit: '20' } },
  },
]);
