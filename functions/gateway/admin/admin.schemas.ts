import { z } from 'zod';
import { paginationQuery } from '../../../shared/http/pagination.js';
import { channelSchema } from '../../../shared/schemas/channels.js';
import { notificationStatusSchema } from '../../../shared/schemas/notification-statuses.js';
import { workflowKey } from '../workflows/definitions/workflow.schemas.js';
import { RUN_STATES } from '../workflows/runs/run.responses.js';

/** Request shapes of the operator routes (`/api/v1/admin/*`, the dashboard's API). */

export const overviewQuery = z.object({
  /** How far back the throughput and latency series go. */
  window_minutes: z.coerce.number().int().min(1).max(60).default(15),
});

export const deadLettersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A transport message id (AMQP message id, SQS message id, memory queue id). */
export const deadLetterIdParam = z.object({
  message_id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.:@<>+=-]+$/, 'must be a message id from the dead-letter list'),
});

export const searchNotificationsQuery = paginationQuery.extend({
  /** A notification id or user id (uuid, exact), or part of a request id or template code. */
  q: z.string().trim().max(200).optional(),
  status: notificationStatusSchema.optional(),
  notification_type: channelSchema.optional(),
});

export const workflowRunsQuery = paginationQuery.extend({
  status: z.enum(RUN_STATES).optional(),
  workflow_key: workflowKey.optional(),
});
