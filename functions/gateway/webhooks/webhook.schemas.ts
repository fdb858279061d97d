import { z } from 'zod';
import { paginationQuery } from '../../../shared/http/pagination.js';
import { WEBHOOK_EVENTS } from './webhook-events.js';

/** Request shapes of `/api/v1/webhooks` (routes and OpenAPI read these). */

const url = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .describe('Where events are POSTed; its resolved address is checked at every send (no private ranges outside development)');
const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length)
  .refine((list) => new Set(list).size === list.length, 'each event at most once');

export const createWebhookBody = z.object({
  url,
  events,
  description: z.string().max(500).optional(),
});

export const updateWebhookBody = z
  .object({
    url: url.optional(),
    events: events.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional().describe('false stops deliveries; true re-enables an endpoint that was disabled'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change');

export const webhookIdParam = z.object({ id: z.uuid('must be a uuid') });
export const webhookDeliveryParam = z.object({ id: z.uuid('must be a uuid'), delivery_id: z.uuid('must be a uuid') });
export const webhooksQuery = paginationQuery;
