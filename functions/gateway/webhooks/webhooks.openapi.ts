import { z } from 'zod';
import { defineOperations } from '../../../shared/openapi/operation.js';
import {
  webhookDeleted,
  webhookDeliveryResponse,
  webhookEndpointResponse,
  webhookEndpointWithSecret,
} from './webhook.responses.js';
import { createWebhookBody, updateWebhookBody, webhookDeliveryParam, webhookIdParam, webhooksQuery } from './webhook.schemas.js';

const ENDPOINT = { id: '5c8f2a6e-1d3b-4f7a-9e2c-8b1a0d4c6e5f' };
const DELIVERY = { ...ENDPOINT, delivery_id: '7a1e3c5b-9d2f-4b6a-8c0e-1f3d5b7a9c2e' };
const SIGNING =
  'Each POST carries the Standard Webhooks headers `webhook-id` (the delivery id, the same on every attempt), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`); the body is `{ type, timestamp, data }`, `data` the notification as `GET /api/v1/notifications/:id` shows it.';

/** The webhook routes (`webhooks.routes.ts`). */
export const WEBHOOK_OPERATIONS = defineOperations([
  {
    method: 'post',
    path: '/api/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Register an endpoint for outbound webhooks',
    description: `The answer holds the signing secret (\`whsec_...\`), shown only once. ${SIGNING} Non-2xx answers are retried with exponential backoff and jitter (8 attempts over about a day, \`Retry-After\` honoured), then the delivery is failed.`,
    tags: ['webhooks'],
    auth: 'admin',
    request: { body: createWebhookBody },
    responses: { 201: { description: 'Endpoint created, with its secret', data: webhookEndpointWithSecret } },
    examples: {
      body: {
        url: 'https://example.com/hooks/notifications',
        events: ['notification.delivered', 'notification.failed'],
        description: 'shop backend',
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/webhooks',
    operationId: 'listWebhooks',
    summary: 'List webhook endpoints',
    tags: ['webhooks'],
    auth: 'admin',
    request: { query: webhooksQuery },
    responses: { 200: { description: 'A page of endpoints', data: z.array(webhookEndpointResponse), list: true } },
    examples: { query: { page: '1', limit: '20' } },
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/:id',
    operationId: 'getWebhook',
    summary: 'Read a webhook endpoint (never its secret)',
    description:
      "With its `health`: state (healthy, failing, disabled), attempts and success rate over the last 24 hours (by the hour), the backlog of deliveries still to make, and the last error (code, HTTP status, time). An endpoint disabled for failing too long raises `webhook_endpoint.disabled` to the deployment's other endpoints subscribed to it.",
    tags: ['webhooks'],
    auth: 'admin',
    request: { params: webhookIdParam },
    responses: { 200: { description: 'The endpoint', data: webhookEndpointResponse } },
    errors: [404],
    examples: { params: ENDPOINT },
  },
  {
    method: 'patch',
    path: '/api/v1/webhooks/:id',
    operationId: 'updateWebhook',
    summary: 'Change the URL, events or description of an endpoint, or disable and enable it',
    tags: ['webhooks'],
    auth: 'admin',
    request: { params: webhookIdParam, body: updateWebhookBody },
    responses: { 200: { description: 'The endpoint as changed', data: webhookEndpointResponse } },
    errors: [404],
    examples: { params: ENDPOINT, body: { events: ['notification.delivered'], enabled: true } },
  },
  {
    method: 'delete',
    path: '/api/v1/webhooks/:id',
    operationId: 'deleteWebhook',
    summary: 'Delete an endpoint and its delivery log',
    tags: ['webhooks'],
    auth: 'admin',
    request: { params: webhookIdParam },
    responses: { 200: { description: 'Deleted', data: webhookDeleted } },
    errors: [404],
    examples: { params: ENDPOINT },
  },
  {
    method: 'post',
    path: '/api/v1/webhooks/:id/rotate-secret',
    operationId: 'rotateWebhookSecret',
    summary: 'Replace the signing secret',
    description:
      'The answer holds the new secret, shown only once. For 24 hours every delivery is signed with both secrets (two `v1,` signatures), so receivers can switch without losing one.',
    tags: ['webhooks'],
    auth: 'admin',
    request: { params: webhookIdParam },
    responses: { 200: { description: 'The endpoint with its new secret', data: webhookEndpointWithSecret } },
    errors: [404],
    examples: { params: ENDPOINT },
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/:id/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'The delivery log of an endpoint, newest first',
    description: 'Each delivery with its attempts, the last response code and latency, and the last error as a code.',
    tags: ['webhooks'],
    auth: 'admin',
    request: { params: webhookIdParam, query: webhooksQuery },
    responses: { 200: { description: 'A page of deliveries', data: z.array(webhookDeliveryResponse), list: true } },
    errors: [404],
    examples: { params: ENDPOINT, query: { page: '1' } },
  },
  {
    method: 'post',
    path: '/api/v1/webhooks/:id/deliveries/:delivery_id/redeliver',
    operationId: 'redeliverWebhook',
    summary: 'Send one delivery again',
    description:
      'Queued at once, with the same `webhook-id` and body (a receiver that already has it deduplicates). 409 when the endpoint is disabled.',
    tags: ['webhooks'],
    auth: 'admin',
    request: { params: webhookDeliveryParam },
    responses: { 202: { description: 'Redelivery queued', data: webhookDeliveryResponse } },
    errors: [404, 409],
    examples: { params: DELIVERY },
  },
]);
