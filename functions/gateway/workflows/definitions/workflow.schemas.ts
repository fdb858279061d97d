import { z } from 'zod';
import { MAX_PRIORITY } from '../../../../shared/messages.js';
import { channelSchema } from '../../../../shared/schemas/channels.js';
import { externalId } from '../../../../shared/schemas/external-id.js';
import { isoDuration } from './workflow-duration.js';

/** Request shapes of the workflow routes (snake_case, as on the wire). */

export const MAX_STEPS = 20;
export const MAX_TRIGGER_BATCH = 1000;

/** What a step may require of the send before it (evaluated when the step is reached). */
export const STEP_CONDITIONS = ['failed', 'not_delivered', 'not_read', 'no_device'] as const;
export type StepCondition = (typeof STEP_CONDITIONS)[number];

const condition = z.object({ previous: z.enum(STEP_CONDITIONS) }).strict();
const common = { if: condition.optional() };

const sendStep = z
  .object({
    type: z.literal('send'),
    channel: channelSchema,
    template_code: z.string().min(1).max(200),
    /** Template variables; `{{ payload.x }}` takes the trigger's payload, `{{ events }}` a digest's collected payloads. */
    variables: z.record(z.string(), z.unknown()).optional(),
    priority: z.int().min(0).max(MAX_PRIORITY).optional(),
    ...common,
  })
  .strict();
const delayStep = z.object({ type: z.literal('delay'), duration: isoDuration, ...common }).strict();
const digestStep = z
  .object({
    type: z.literal('digest'),
    window: isoDuration,
    /** Rendered from the payload (`{{ payload.thread_id }}`); triggers with the same rendered key join one digest. */
    key: z.string().max(500).default(''),
    ...common,
  })
  .strict();
const throttleStep = z
  .object({
    type: z.literal('throttle'),
    limit: z.int().min(1).max(100_000),
    window: isoDuration,
    on_excess: z.enum(['defer', 'drop']).default('defer'),
    ...common,
  })
  .strict();

export const workflowStep = z.discriminatedUnion('type', [sendStep, delayStep, digestStep, throttleStep]);
export type WorkflowStep = z.output<typeof workflowStep>;

const steps = z
  .array(workflowStep)
  .min(1, 'a workflow has at least one step')
  .max(MAX_STEPS, `at most ${MAX_STEPS} steps`)
  .refine((list) => list.some((s) => s.type === 'send'), 'a workflow needs at least one send step');

export const workflowKey = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase letters, digits, ".", "_" and "-", starting with a letter or digit');

export const createWorkflowBody = z.object({ workflow_key: workflowKey, name: z.string().min(1).max(200), steps }).strict();
export const workflowVersionBody = z.object({ steps, name: z.string().min(1).max(200).optional() }).strict();
export const workflowKeyParam = z.object({ key: workflowKey });
export const workflowVersionParam = z.object({ key: workflowKey, version: z.coerce.number().int().min(1) });
export const workflowsQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** `POST /api/v1/workflows/:key/trigger`: one recipient, by `user_id` or `external_id`. */
export const triggerBody = z
  .object({
    user_id: z.uuid('must be a uuid').optional(),
    external_id: externalId.optional(),
    payload: z.record(z.string(), z.unknown()).default({}),
    request_id: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((b) => (b.user_id === undefined) !== (b.external_id === undefined), {
    message: 'give exactly one of user_id and external_id',
    path: ['user_id'],
  });
export type TriggerRequest = z.output<typeof triggerBody>;

export const triggerBatchBody = z.object({
  triggers: z.array(z.unknown()).min(1).max(MAX_TRIGGER_BATCH, `at most ${MAX_TRIGGER_BATCH} triggers per batch`),
});

export const workflowRunParam = z.object({ run_id: z.uuid('must be a uuid') });
