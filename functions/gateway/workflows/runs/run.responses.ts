import { z } from 'zod';

/**
 * The response shapes of workflow runs, declared once: `run-wire.ts`
 * returns their `z.output`, and the OpenAPI document shows them.
 */

const timestamp = z.iso.datetime({ offset: true });

export const RUN_STATES = ['running', 'completed', 'cancelled', 'failed', 'merged', 'dropped'] as const;
export const RUN_STEP_STATES = ['pending', 'waiting', 'completed', 'skipped', 'dropped', 'failed', 'merged'] as const;

export const runStepResponse = z.object({
  index: z.int(),
  type: z.enum(['send', 'delay', 'digest', 'throttle']),
  state: z
    .enum(RUN_STEP_STATES)
    .describe('`pending` until the run reaches it; `waiting` while a delay, digest window or deferral holds it'),
  notification_id: z.uuid().nullable().describe('The notification a send step created'),
  detail: z.string().nullable(),
  wait_until: timestamp.nullable(),
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
});

/** `data` of a trigger's answer (202) and of `GET /api/v1/workflow-runs/:id` (with `steps`). */
export const runResponse = z.object({
  workflow_run_id: z.uuid(),
  workflow_key: z.string(),
  version: z.int(),
  user_id: z.uuid(),
  request_id: z.string(),
  status: z
    .enum(RUN_STATES)
    .describe('`merged`: the trigger joined the digest of the run `merged_into`; `dropped`: a throttle dropped it'),
  step_index: z.int().describe('The next step to take'),
  merged_into: z.uuid().nullable(),
  error: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.nullable(),
  steps: z.array(runStepResponse).optional(),
});
