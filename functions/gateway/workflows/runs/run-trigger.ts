import { randomUUID } from 'node:crypto';
import type { Cache } from '../../../../shared/cache/cache.js';
import type { UserClient } from '../../../../shared/clients/user-client.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../../../shared/errors.js';
import { toFieldIssues } from '../../../../shared/http/validate.js';
import { safeParseNullAsAbsent } from '../../../../shared/schemas/null-as-absent.js';
import { canonicalHash } from '../../intake/canonical-hash.js';
import type { IntakeRequest } from '../../intake/intake-call.js';
import { spendKeyLimit } from '../../intake/intake-limits.js';
import { requestIdOf } from '../../intake/request-id.js';
import { triggerBody } from '../definitions/workflow.schemas.js';
import type { WorkflowStore } from '../definitions/workflow-store.js';
import type { RunRow, RunStore } from './run-store.js';
import { runJson } from './run-wire.js';

export interface RunTriggerDeps {
  workflows: Pick<WorkflowStore, 'find'>;
  runs: Pick<RunStore, 'insert' | 'findByRequestId'>;
  users: Pick<UserClient, 'getRecipient' | 'findByExternalId'>;
  cache: Pick<Cache, 'limit'>;
  limits: { perKeyPerMinute: number };
  /** Called after a run was stored, so a worker takes its first step at once. */
  onAccepted: () => void;
}

/** The answer to a trigger: 202 with the run; a replay for a repeated request id. */
export interface TriggerAnswer {
  status: 202;
  body: { success: true; data: ReturnType<typeof runJson>; message: string };
  replayed: boolean;
}

/**
 * `POST /api/v1/workflows/:key/trigger`: checked like a single intake (body,
 * request id, the key's rate limit, the recipient by `user_id` or
 * `external_id`), then ONE row in `workflow_runs` on the workflow's active
 * version, due now; the run worker takes its steps. Idempotent on the
 * request id per API key: a retry answers the same run, another body under
 * that id is 409.
 */
export function createRunTrigger(deps: RunTriggerDeps) {
  const answer = (row: RunRow, replayed: boolean): TriggerAnswer => ({
    status: 202,
    body: { success: true, data: runJson(row), message: replayed ? 'Workflow run already accepted' : 'Workflow run accepted' },
    replayed,
  });
  const replayOf = (row: RunRow, hash: string) => {
    if (row.requestHash !== hash) {
      throw new ConflictError(`request_id ${row.requestId} was already used with a different request`, {
        details: { workflow_run_id: row.id },
      });
    }
    return answer(row, true);
  };

  async function recipient(body: { user_id?: string | undefined; external_id?: string | undefined }): Promise<string> {
    if (body.external_id !== undefined) {
      const found = await deps.users.findByExternalId(body.external_id);
      if (!found) throw new NotFoundError(`User with external_id ${body.external_id} not found`);
      return found.id;
    }
    const found = await deps.users.getRecipient(body.user_id!);
    if (!found) throw new NotFoundError(`User ${body.user_id} not found`);
    return found.id;
  }

  async function accept(apiKeyId: string, workflowKey: string, request: IntakeRequest): Promise<TriggerAnswer> {
    const parsed = safeParseNullAsAbsent(triggerBody, request.body);
    if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), 'request body');
    const requestId = requestIdOf(request, parsed.data.request_id);
    if (requestId instanceof ValidationError) throw requestId;
    const body = { ...parsed.data, request_id: requestId, workflow_key: workflowKey };
    const hash = canonicalHash(body);

    const earlier = await deps.runs.findByRequestId(apiKeyId, requestId);
    if (earlier) return replayOf(earlier, hash);
    await spendKeyLimit(deps.cache, apiKeyId, deps.limits.perKeyPerMinute);
    const [workflow, userId] = await Promise.all([deps.workflows.find(workflowKey), recipient(body)]);
    if (!workflow) throw new NotFoundError(`Workflow ${workflowKey} not found`);

    const row = await deps.runs.insert({
      id: randomUUID(),
      workflowId: workflow.workflow.id,
      workflowKey,
      version: workflow.version.version,
      apiKeyId,
      requestId,
      requestHash: hash,
      userId,
      payload: body.payload,
      correlationId: request.correlationId,
      state: 'running',
      dueAt: new Date(),
    });
    // a concurrent twin stored it first
    if (!row) return replayOf((await deps.runs.findByRequestId(apiKeyId, requestId))!, hash);
    deps.onAccepted();
    return answer(row, false);
  }

  return {
    accept,
    /** Many triggers of one workflow, each answered on its own (its status and envelope, or its error). */
    async acceptMany(
      apiKeyId: string,
      workflowKey: string,
      requests: IntakeRequest[],
    ): Promise<Array<{ answer: TriggerAnswer } | { error: AppError }>> {
      const out: Array<{ answer: TriggerAnswer } | { error: AppError }> = [];
      for (const request of requests) {
        try {
          out.push({ answer: await accept(apiKeyId, workflowKey, request) });
        } catch (err) {
          if (err instanceof AppError) out.push({ error: err });
          else throw err;
        }
      }
      return out;
    },
  };
}

export type RunTrigger = ReturnType<typeof createRunTrigger>;
