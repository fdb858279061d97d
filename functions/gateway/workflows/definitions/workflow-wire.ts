import type { z } from 'zod';
import type { workflowResponse, workflowVersionResponse } from './workflow.responses.js';
import type { WorkflowRow, WorkflowVersionRow, WorkflowWithVersion } from './workflow-store.js';

export function workflowJson({ workflow, version }: WorkflowWithVersion): z.output<typeof workflowResponse> {
  return {
    workflow_key: workflow.workflowKey,
    name: workflow.name,
    active_version: workflow.activeVersion,
    version: version.version,
    steps: version.steps,
    created_at: workflow.createdAt.toISOString(),
    updated_at: workflow.updatedAt.toISOString(),
  };
}

export function workflowVersionJson(
  workflow: WorkflowRow,
  version: WorkflowVersionRow,
): z.output<typeof workflowVersionResponse> {
  return {
    version: version.version,
    active: version.version === workflow.activeVersion,
    steps: version.steps,
    created_at: version.createdAt.toISOString(),
  };
}
