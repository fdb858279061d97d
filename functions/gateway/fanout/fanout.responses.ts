import { z } from 'zod';

/**
 * The response shape of a fan-out, declared once: `fanout-wire.ts` returns
 * its `z.output`, and the OpenAPI document shows it.
 */

const timestamp = z.iso.datetime({ offset: true });

/** `data` of `POST /api/v1/notifications` with a `topic_key` (202), and of `GET /api/v1/fanouts/:id`. */
export const fanoutResponse = z.object({
  fanout_id: z.uuid(),
  topic_key: z.string(),
  request_id: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  total: z.int().describe('Subscribers of the topic when the fan-out was accepted'),
  created: z.int().describe("Notifications created to be sent (now, or once the subscriber's quiet hours end)"),
  skipped: z.int().describe('Subscribers recorded as skipped or suppressed: preferences, suppression list, their rate limit'),
  failed: z.int().describe('Subscribers nothing could be recorded for (their language version of the template lacks a variable)'),
  error: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.nullable(),
});
