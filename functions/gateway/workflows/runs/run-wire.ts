import type { z } from 'zod';
import type { WorkflowStep } from '../definitions/workflow.schemas.js';
import type { RunRow, RunStepRow } from '../workflow-schema.js';
import type { runResponse, runStepResponse } from './run.responses.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function runJson(run: RunRow): z.output<typeof runResponse> {
  return {
    workflow_run_id: run.id,
    workflow_key: run.workflowKey,
    version: run.version,
    user_id: run.userId,
    request_id: run.requestId,
    status: run.state,
    step_index: run.stepIndex,
    merged_into: run.mergedInto,
    error: run.error,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    completed_at: iso(run.completedAt),
  };
}

/** Every step of the run's version, with what it did so far (`pending` before the run reaches it). */
export function runWithSteps(run: RunRow, steps: WorkflowStep[], records: RunStepRow[]): z.output<typeof runResponse> {
  const byIndex = new Map(records.map((r) => [r.stepIndex, r]));
  const stepJson = (step: WorkflowStep, index: number): z.output<typeof runStepResponse> => {
    const r = byIndex.get(index);
    return {
      index,
      type: step.type,
      state: r?.state ?? 'pending',
      notification_id: r?.notificationId ?? null,
      detail: r?.detail ?? null,
      wait_until: iso(r?.waitUntil ?? null),
      started_at: iso(r?.startedAt ?? null),
      finished_at: iso(r?.finishedAt ?? null),
    };
  };
  return { ...runJson(run), steps: steps.map(stepJson) };
}
