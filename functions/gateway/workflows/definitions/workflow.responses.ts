import { z } from 'zod';
import { workflowStep } from './workflow.schemas.js';

/**
 * The response shapes of workflow definitions, declared once:
 * `workflow-wire.ts` returns their `z.output`, and the OpenAPI document shows them.
 */

const timestamp = z.iso.datetime({ offset: true });

/** A workflow with the steps of one version (the active one, unless a version was asked for). */
export const workflowResponse = z.object({
  workflow_key: z.string(),
  name: z.string(),
  active_version: z.int(),
  version: z.int().describe('The version whose steps are shown'),
  steps: z.array(workflowStep),
  created_at: timestamp,
  updated_at: timestamp,
});

export const workflowVersionResponse = z.object({
  version: z.int(),
  active: z.boolean(),
  steps: z.array(workflowStep),
  created_at: timestamp,
});
