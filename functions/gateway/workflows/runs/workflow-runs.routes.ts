import { type Context, Hono } from 'hono';
import type { Authenticator } from '../../../../shared/auth/authenticator.js';
import { hasScope } from '../../../../shared/auth/principal.js';
import { requireAuth } from '../../../../shared/auth/require-auth.js';
import { ok } from '../../../../shared/envelope.js';
import { ConflictError, NotFoundError } from '../../../../shared/errors.js';
import type { AppEnv } from '../../../../shared/http/app-env.js';
import { validate } from '../../../../shared/http/validate.js';
import { workflowRunParam } from '../definitions/workflow.schemas.js';
import type { WorkflowDeps } from '../workflow-deps.js';
import { runJson, runWithSteps } from './run-wire.js';

/** `/api/v1/workflow-runs/:id`: a run with its steps, and its cancel, for the key that triggered it (or an admin key). */
export function createWorkflowRunRoutes(
  deps: Pick<WorkflowDeps, 'store' | 'runs'> & { authenticator: Authenticator },
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const sender = requireAuth({ authenticator: deps.authenticator, scope: 'send' });

  const visible = async (c: Context<AppEnv>, id: string) => {
    const run = await deps.runs.find(id);
    const principal = c.var.principal;
    const mine = run && (hasScope(principal, 'admin') || (principal.kind === 'api_key' && principal.keyId === run.apiKeyId));
    if (!mine) throw new NotFoundError(`Workflow run ${id} not found`);
    return run;
  };

  routes.get('/:run_id', sender, validate('param', workflowRunParam), async (c) => {
    const run = await visible(c, c.req.valid('param').run_id);
    const [definition, records] = await Promise.all([deps.store.find(run.workflowKey, run.version), deps.runs.steps(run.id)]);
    return ok(c, runWithSteps(run, definition?.version.steps ?? [], records));
  });

  routes.delete('/:run_id', sender, validate('param', workflowRunParam), async (c) => {
    const run = await visible(c, c.req.valid('param').run_id);
    const cancelled = await deps.runs.cancel(run.id);
    if (!cancelled) throw new ConflictError(`Workflow run ${run.id} has already finished (${run.state})`);
    return ok(c, runJson(cancelled), 'Workflow run cancelled');
  });

  return routes;
}
